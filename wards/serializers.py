from rest_framework import serializers

from wards.models import Neighbourhood, Ward


class NeighbourhoodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Neighbourhood
        fields = ["slug", "name"]


class WardSerializer(serializers.ModelSerializer):
    neighbourhoods = NeighbourhoodSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Ward
        fields = ["slug", "name", "official_code", "chest_pence", "neighbourhoods", "url"]

    def get_url(self, ward: Ward) -> str:
        return ward.get_absolute_url()
