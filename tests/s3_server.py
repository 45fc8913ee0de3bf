"""A real S3-compatible server for the object storage tests: moto's standalone server on
127.0.0.1, on a port of its own (9090-9099 first, else any free one), with one private bucket."""

import contextlib
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from attendance_site.storage import object_storage

REGION = "eu-west-2"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
# The grantees that would make an object or bucket readable by anyone (or any AWS account).
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _port() -> int:
    for port in range(9090, 9100):
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    def __init__(self) -> None:
        self.port = _port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # moto keeps its buckets for the life of the process: each server a bucket of its own.
        self.bucket = f"attendance-letters-{uuid.uuid4().hex[:12]}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> "S3Server":
        self._server.start()
        self.client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def environment(self) -> dict[str, str]:
        """The variables a process is configured with to keep its letters here."""
        return {
            "STORAGE_BUCKET": self.bucket,
            "STORAGE_ENDPOINT_URL": self.endpoint,
            "STORAGE_REGION": REGION,
            "STORAGE_ACCESS_KEY_ID": ACCESS_KEY,
            "STORAGE_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def storages(self, staticfiles: dict) -> dict:
        """The STORAGES setting those variables give (attendance_site/settings.py)."""
        return {
            "default": object_storage(
                bucket=self.bucket,
                endpoint_url=self.endpoint,
                region=REGION,
                access_key=ACCESS_KEY,
                secret_key=SECRET_KEY,
            ),
            "staticfiles": staticfiles,
        }

    def keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def anonymous_get(self, key: str) -> int:
        """The status of a GET on the object's address with no credentials at all."""
        try:
            with urllib.request.urlopen(f"{self.endpoint}/{self.bucket}/{key}") as answer:
                return answer.status
        except urllib.error.HTTPError as refused:
            return refused.code
