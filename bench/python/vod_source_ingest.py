"""vod-source-ingest written plainly in Python with boto3, for the bench's Python row.

The bench runs it with awslambdaric, as Lambda's Python runtime does, on the same sample event,
Lambda environment and mediatailor-local as the Rust function, to compare first response and
memory. It does the same work for an S3 notification: it lists the asset's folder, reads the
first bytes of each candidate manifest to keep the entry manifests (HLS multivariant playlists,
DASH MPDs), and creates the asset's VOD source with their packages and provenance tags; when the
VOD source exists it reads it and updates it only where it differs from S3.
"""

import json
import os
import re
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SOURCE_LOCATION = os.environ["SOURCE_LOCATION_NAME"]
KEY_PREFIX = os.environ.get("KEY_PREFIX", "").strip("/")
KEY_PREFIX = KEY_PREFIX + "/" if KEY_PREFIX else ""
SOURCE_GROUPS = {
    "HLS": os.environ.get("HLS_SOURCE_GROUP", "hls"),
    "DASH": os.environ.get("DASH_SOURCE_GROUP", "dash"),
}
PACKAGE_FOLDERS = {"hls", "dash", "cmaf", "mpd"}
SNIFF_BYTES = {"HLS": 64 * 1024, "DASH": 1024}

# Emulators (and MinIO, LocalStack) need path-style S3 addressing.
_s3_config = Config(s3={"addressing_style": "path"}) if os.environ.get("AWS_ENDPOINT_URL") else None
s3 = boto3.client("s3", config=_s3_config)
mediatailor = boto3.client("mediatailor")


def handler(event, context):
    summary = {"created": [], "updated": [], "unchanged": [], "ignored": [], "conflicts": []}
    assets = {}
    for bucket, key in object_keys(event):
        asset = asset_of(key) if kind_of(key) else None
        if asset is None:
            summary["ignored"].append(key)
        else:
            assets.setdefault((bucket, asset), []).append(key)
    for (bucket, asset), keys in assets.items():
        outcome = reconcile(bucket, asset)
        summary[outcome].extend(keys)
    return summary


def object_keys(event):
    """(bucket, key) of every S3 record: direct, in SQS message bodies, or from EventBridge."""
    if "detail" in event:
        yield event["detail"]["bucket"]["name"], event["detail"]["object"]["key"]
        return
    for record in event.get("Records", []):
        if "s3" in record:
            yield record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"])
        elif "body" in record:
            yield from object_keys(json.loads(record["body"]))


def kind_of(key):
    if key.endswith(".m3u8"):
        return "HLS"
    if key.endswith(".mpd"):
        return "DASH"
    return None


def asset_of(key):
    """The asset folder under KEY_PREFIX: the key's folders without trailing package folders."""
    if not key.startswith(KEY_PREFIX):
        return None
    folders = key[len(KEY_PREFIX):].split("/")[:-1]
    while folders and folders[-1].lower() in PACKAGE_FOLDERS:
        folders.pop()
    if not folders or any(f.lower() in PACKAGE_FOLDERS for f in folders):
        return None
    return "/".join(folders)


def vod_source_name(asset):
    return re.sub(r"[^A-Za-z0-9_-]+", "-", asset).strip("-")[:64]


def is_entry(kind, head):
    if kind == "HLS":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return text.startswith(b"#EXTM3U") and b"#EXT-X-STREAM-INF" in text
    return b"<MPD" in head[: SNIFF_BYTES["DASH"]]


def read_truth(bucket, asset):
    """The entry manifest of each type in the asset's folder (shortest key first): (key, ETag)."""
    folder = KEY_PREFIX + asset
    found = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=folder + "/", MaxKeys=1000):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            kind = kind_of(key)
            if not kind or obj["Size"] == 0 or asset_of(key) != asset:
                continue
            got = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES[kind] - 1}")
            if is_entry(kind, got["Body"].read()):
                found.setdefault(kind, []).append((key, got.get("ETag", obj.get("ETag", "")).strip('"')))
    return {kind: min(keys, key=lambda k: (len(k[0]), k[0])) for kind, keys in found.items()}


def desired(bucket, asset, truth):
    packages = [
        {"SourceGroup": SOURCE_GROUPS[kind], "Type": kind, "Path": key[len(KEY_PREFIX):]}
        for kind, (key, _) in sorted(truth.items())
    ]
    tags = {"tailorflow:asset": f"{bucket}/{KEY_PREFIX}{asset}", "tailorflow:bucket": bucket}
    for kind, (key, etag) in truth.items():
        tags[f"tailorflow:{kind.lower()}-key"] = key
        if etag:
            tags[f"tailorflow:{kind.lower()}-etag"] = etag
    return packages, tags


def reconcile(bucket, asset):
    truth = read_truth(bucket, asset)
    if not truth:
        return "ignored"
    name = vod_source_name(asset)
    packages, tags = desired(bucket, asset, truth)
    try:
        mediatailor.create_vod_source(
            SourceLocationName=SOURCE_LOCATION,
            VodSourceName=name,
            HttpPackageConfigurations=packages,
            Tags=tags,
        )
        return "created"
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", "")
        if err.response["Error"]["Code"] != "ConflictException" and "already exist" not in message:
            raise
    existing = mediatailor.describe_vod_source(SourceLocationName=SOURCE_LOCATION, VodSourceName=name)
    if existing.get("Tags", {}).get("tailorflow:asset") != tags["tailorflow:asset"]:
        return "conflicts"
    key = lambda p: (p["Type"], p["SourceGroup"], p["Path"])  # noqa: E731
    current = sorted(existing.get("HttpPackageConfigurations", []), key=key)
    outcome = "unchanged"
    if [key(p) for p in current] != sorted(key(p) for p in packages):
        mediatailor.update_vod_source(
            SourceLocationName=SOURCE_LOCATION, VodSourceName=name, HttpPackageConfigurations=packages
        )
        outcome = "updated"
    if any(existing.get("Tags", {}).get(k) != v for k, v in tags.items()):
        mediatailor.tag_resource(ResourceArn=existing["Arn"], Tags=tags)
        outcome = "updated"
    return outcome
