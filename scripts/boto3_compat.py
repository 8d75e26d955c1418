"""boto3 (botocore's own MediaTailor, EventBridge and S3 models) against mediatailor-local.

The Rust SDK is tested in local/tests; this shows that a second, independent client built from
AWS's service model works unchanged: paths, status codes (204 on delete), member names, errors.
Usage: python scripts/boto3_compat.py http://127.0.0.1:PORT
"""
import sys

import boto3
import botocore
from botocore.config import Config

endpoint = sys.argv[1]
common = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
mt = boto3.client("mediatailor", **common)
checks = 0


def check(what, condition):
    global checks
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    checks += 1


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"]
    return None


r = mt.create_source_location(
    SourceLocationName="media",
    HttpConfiguration={"BaseUrl": f"{endpoint}/origin/tailorflow-media/"},
    Tags={"team": "video"},
)
check("source location ARN", r["Arn"] == "arn:aws:mediatailor:us-east-1:123456789012:sourceLocation/media")
check("Tags travel as tags", r.get("Tags") == {"team": "video"})
mt.create_vod_source(
    SourceLocationName="media",
    VodSourceName="bbb",
    HttpPackageConfigurations=[{"Path": "packages/big-buck-bunny/hls/index.m3u8", "SourceGroup": "hls", "Type": "HLS"}],
)
mt.create_channel(
    ChannelName="news",
    PlaybackMode="LOOP",
    Outputs=[{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {"ManifestWindowSeconds": 60}}],
)
mt.create_program(
    ChannelName="news",
    ProgramName="p1",
    SourceLocationName="media",
    VodSourceName="bbb",
    ScheduleConfiguration={"Transition": {"Type": "RELATIVE", "RelativePosition": "AFTER_PROGRAM"}},
    AdBreaks=[
        {
            "MessageType": "SPLICE_INSERT",
            "OffsetMillis": 60060,
            "SpliceInsertMessage": {"AvailNum": 1, "AvailsExpected": 1, "SpliceEventId": 5, "UniqueProgramId": 0},
        }
    ],
)
items = mt.get_channel_schedule(ChannelName="news", DurationMinutes="60")["Items"]
check("schedule from the manifest", [(i["ProgramName"], i["ApproximateDurationSeconds"]) for i in items] == [("p1", 119)])
check("schedule ad breaks", len(items[0]["ScheduleAdBreaks"]) == 1)
mt.start_channel(ChannelName="news")
check("channel running", mt.describe_channel(ChannelName="news")["ChannelState"] == "RUNNING")
check("a running channel cannot be deleted", error_of(mt.delete_channel, ChannelName="news")[:2] == ("BadRequestException", 400))
p = mt.put_playback_configuration(
    Name="conf", AdDecisionServerUrl="https://ads.example.com/vast", VideoContentSourceUrl="https://origin.example.com/"
)
check("playback configuration ARN", p["PlaybackConfigurationArn"].endswith(":playbackConfiguration/conf"))
check("endpoint prefix at the emulator", p["HlsConfiguration"]["ManifestEndpointPrefix"].startswith(endpoint))
check("listed", [c["Name"] for c in mt.list_playback_configurations()["Items"]] == ["conf"])
check("delete answers 204", mt.delete_playback_configuration(Name="conf")["ResponseMetadata"]["HTTPStatusCode"] == 204)
check("deleted is 404", error_of(mt.get_playback_configuration, Name="conf")[:2] == ("NotFoundException", 404))
arn = mt.describe_channel(ChannelName="news")["Arn"]
mt.tag_resource(ResourceArn=arn, Tags={"a": "1"})
check("tagged", mt.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "1"})
mt.untag_resource(ResourceArn=arn, TagKeys=["a"])
check("untagged", not mt.list_tags_for_resource(ResourceArn=arn).get("Tags"))
check("alerts listed", "Items" in mt.list_alerts(ResourceArn=arn))
code, status, message = error_of(
    mt.create_channel,
    ChannelName="bad",
    PlaybackMode="LOOP",
    Outputs=[{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {"ManifestWindowSeconds": 10}}],
)
check("a violation names the member", (code, status) == ("BadRequestException", 400) and "ManifestWindowSeconds" in message)
for i in range(3):
    mt.create_vod_source(
        SourceLocationName="media",
        VodSourceName=f"extra-{i}",
        HttpPackageConfigurations=[{"Path": "packages/sintel/hls/index.m3u8", "SourceGroup": "hls", "Type": "HLS"}],
    )
pages = list(mt.get_paginator("list_vod_sources").paginate(SourceLocationName="media", PaginationConfig={"PageSize": 2}))
check("paginator walks every page", len(pages) == 2 and sum(len(p["Items"]) for p in pages) == 4)

events = boto3.client("events", **common)
out = events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b"}])
check("PutEvents", out["FailedEntryCount"] == 0 and "EventId" in out["Entries"][0])
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="tailorflow-media", Prefix="packages/sintel/hls/")["Contents"]]
check("S3 listing", "packages/sintel/hls/index.m3u8" in keys)
body = s3.get_object(Bucket="tailorflow-media", Key="packages/sintel/hls/index.m3u8")["Body"].read()
check("S3 GetObject", body.startswith(b"#EXTM3U"))

print(f"boto3 compat: {checks} passed, 0 failed")
