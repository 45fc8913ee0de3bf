"""Where letters are kept: local files (the embedded default) or any S3-compatible object store.

Letters are never handed out by the store's own URL. Every download is streamed through the
site (`FileResponse(letter.open())` in the views), so the access check and the disclosure log
run on each one, nothing depends on a school's network reaching the store, and a link copied
from a browser is worth nothing outside a signed-in session. The objects stay private: no ACL
is sent (the bucket's owner-only default applies, and buckets that refuse ACLs work too), and
`url()` would give only a signed URL valid for a minute, which the site never uses.
"""

from typing import Any


def object_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
) -> dict[str, Any]:
    """The STORAGES entry for django-storages' S3 backend on `bucket`.

    Blank keys leave boto3 to find credentials itself (an instance role, AWS_* variables).
    A custom endpoint (MinIO, Ceph, a hosting provider's store) is addressed by path, which
    every S3-compatible server understands.
    """
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        # A second letter with the same name gets a new name, never replaces the first.
        "file_overwrite": False,
        "signature_version": "s3v4",
        "location": prefix.strip("/"),
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        options["addressing_style"] = "path"
    if region:
        options["region_name"] = region
    if access_key or secret_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
