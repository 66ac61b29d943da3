"""Staff can read the discussion and its reports in the admin, never rewrite them; a hidden
comment (its hash is in the ledger) cannot be deleted there."""

from __future__ import annotations

from typing import Any

from django.test import Client

from budgets.models import Comment
from tests.conftest import make_user


def _staff(client: Client) -> Any:
    user = make_user("root-admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_staff_read_comments_but_cannot_change_them(client: Client, db: Any) -> None:
    _staff(client)
    assert client.get("/admin/budgets/comment/").status_code == 200
    assert client.get("/admin/budgets/report/").status_code == 200
    assert client.get("/admin/budgets/comment/add/").status_code == 403


def test_a_hidden_comment_cannot_be_deleted_in_the_admin(client: Client, db: Any) -> None:
    from django.contrib import admin

    from budgets.admin import CommentAdmin

    staff = _staff(client)
    model_admin = CommentAdmin(Comment, admin.site)
    request = type("R", (), {"user": staff})()
    visible = Comment(body="hello")
    hidden = Comment(body="rude", hidden_at="2026-11-30T12:00:00Z")
    assert model_admin.has_delete_permission(request, visible)  # type: ignore[arg-type]
    assert not model_admin.has_delete_permission(request, hidden)  # type: ignore[arg-type]
