from rest_framework import viewsets

from wards.models import Ward
from wards.serializers import WardSerializer


class WardViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's wards and each ward's community chest (in pence). Public."""

    queryset = Ward.objects.prefetch_related("neighbourhoods").order_by("name")
    serializer_class = WardSerializer
    lookup_field = "slug"
