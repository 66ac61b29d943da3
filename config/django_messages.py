"""Django's own messages a resident reads on the sign-up, sign-in and password pages.

Django's catalogues leave these untranslated (or lack them) in Urdu, Punjabi and Bengali, so the
pages showed them in English. Marked here, compile_catalogues carries them into our catalogues
(locale/, which Django reads before its own); for Polish and Arabic ours repeat Django's own
translations. Nothing imports this module: the marks are for extraction only. When a Django
upgrade changes one of these messages, change it here too.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

# Labels and hints (django.contrib.auth forms and the user model).
gettext_noop("username")
gettext_noop("email address")
gettext_noop("Email")
gettext_noop("Email address")
gettext_noop("Password confirmation")
gettext_noop("New password confirmation")
gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.")
gettext_noop("Enter the same password as before, for verification.")
# The password rules (django.contrib.auth.password_validation), as hints and as errors.
gettext_noop("Your password can’t be too similar to your other personal information.")
gettext_noop("Your password can’t be a commonly used password.")
gettext_noop("Your password can’t be entirely numeric.")
ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    "min_length",
)
ngettext_lazy(
    "This password is too short. It must contain at least %(min_length)d character.",
    "This password is too short. It must contain at least %(min_length)d characters.",
    "min_length",
)
gettext_noop("This password is too common.")
gettext_noop("This password is entirely numeric.")
gettext_noop("The password is too similar to the %(verbose_name)s.")
# Errors on the sign-up and sign-in forms.
gettext_noop("The two password fields didn’t match.")
gettext_noop("A user with that username already exists.")
gettext_noop(
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
    "characters."
)
gettext_noop("Enter a valid email address.")
gettext_noop(
    "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."
)
gettext_noop("This account is inactive.")
ngettext_lazy(
    "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
    "limit_value",
)
