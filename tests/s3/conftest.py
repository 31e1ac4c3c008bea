import os

import pytest

from tests.s3 import radosgw


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    """One throw-away Ceph RADOS Gateway for the session (`.ci/run` installs it)."""
    if not radosgw.available():
        if os.environ.get("ASN_REQUIRE_S3") == "1":
            pytest.fail("radosgw is not installed (apt-get install radosgw ceph-mon ceph-osd)")
        pytest.skip("radosgw is not installed; .ci/run installs it")
    with radosgw.RadosGateway(tmp_path_factory.mktemp("ceph")) as gw:
        yield gw


@pytest.fixture
def bucket(gateway, settings, tmp_path, request):
    """A fresh bucket with Object Lock, configured as the documents' storage."""
    import re
    import uuid

    # Bucket names: 3-63 of a-z, 0-9 and dashes (a parametrized test's name has brackets).
    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower())[:40].strip("-")
    name = f"asn-{slug}-{uuid.uuid4().hex[:6]}"
    client = radosgw.make_bucket(gateway, name, object_lock=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": gateway.endpoint_url,
                "region_name": gateway.region,
                "access_key": gateway.access_key,
                "secret_key": gateway.secret_key,
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    settings.ASN_S3_OBJECT_LOCK = True
    settings.ASN_UPLOAD_TMP = str(tmp_path / "uploads")
    return client, name
