"""alert-publisher written plainly in Python with boto3, for the bench's Python row.

The bench runs it with awslambdaric, as Lambda's Python runtime does, on the same scheduled
event, Lambda environment and mediatailor-local as the Rust function, to compare first response
and memory. It does the same work: it lists every channel and source location, reads each one's
alerts with ListAlerts, keeps those whose LastModifiedTime falls in the run's window (computed
from the event's time), gives each a stable AlertId, and publishes them to EventBridge in
batches of 10, sending again the entries that come back failed. Its MediaTailor calls are spaced
by MAX_REQUESTS_PER_SECOND, as the Rust function's are.
"""

import hashlib
import json
import os
import time
from datetime import datetime, timedelta, timezone

import boto3

EVENT_BUS_NAME = os.environ["EVENT_BUS_NAME"]
POLL_INTERVAL = timedelta(minutes=int(os.environ.get("POLL_INTERVAL_MINUTES", "5")))
LAG = timedelta(seconds=int(os.environ.get("ALERT_LAG_SECONDS", "60")))
LOOKBACK = timedelta(minutes=int(os.environ.get("LOOKBACK_MINUTES", "0")))
PERIOD = 1.0 / int(os.environ.get("MAX_REQUESTS_PER_SECOND", "8"))
EVENT_SOURCE = os.environ.get("EVENT_SOURCE", "tailorflow.mediatailor")
DETAIL_TYPE = os.environ.get("EVENT_DETAIL_TYPE", "MediaTailor Alert")
PUT_EVENTS_ATTEMPTS = int(os.environ.get("PUT_EVENTS_MAX_ATTEMPTS", "5"))
KINDS = {"channel", "program", "sourceLocation", "vodSource", "playbackConfiguration"}

mediatailor = boto3.client("mediatailor")
events = boto3.client("events")

_next_turn = 0.0


def pace():
    """Waits for the next MediaTailor call's turn: calls at least PERIOD apart."""
    global _next_turn
    now = time.monotonic()
    turn = max(now, _next_turn)
    _next_turn = turn + PERIOD
    if turn > now:
        time.sleep(turn - now)


def items(call, **kwargs):
    """Every item of every page of a MediaTailor list call."""
    while True:
        pace()
        page = call(**kwargs)
        yield from page.get("Items", [])
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]


def handler(event, context):
    event_time = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    end = event_time - LAG
    start = end - POLL_INTERVAL - LOOKBACK
    resources = [c["Arn"] for c in items(mediatailor.list_channels)]
    resources += [s["Arn"] for s in items(mediatailor.list_source_locations)]
    seen, chosen = set(), []
    for arn in resources:
        for alert in items(mediatailor.list_alerts, ResourceArn=arn):
            if not start <= alert["LastModifiedTime"] < end:
                continue
            detail = detail_of(alert)
            if detail["AlertId"] not in seen:
                seen.add(detail["AlertId"])
                chosen.append((alert["LastModifiedTime"], detail))
    chosen.sort(key=lambda pair: (pair[0], pair[1]["AlertId"]))
    entries = [
        {
            "Source": EVENT_SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps(detail),
            "Resources": [detail["ResourceArn"]],
            "Time": when,
            "EventBusName": EVENT_BUS_NAME,
        }
        for when, detail in chosen
    ]
    for batch in range(0, len(entries), 10):
        put_events(entries[batch : batch + 10])
    return {
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "resourcesScanned": len(resources),
        "published": len(entries),
    }


def detail_of(alert):
    arn = alert["ResourceArn"]
    modified = alert["LastModifiedTime"].astimezone(timezone.utc)
    millis = int(modified.timestamp() * 1000)
    digest = hashlib.sha256()
    for part in (arn, alert["AlertCode"], alert["AlertMessage"], str(millis)):
        digest.update(part.encode() + b"\0")
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    return {
        "AlertId": digest.hexdigest()[:32],
        "AlertCode": alert["AlertCode"],
        "AlertMessage": alert["AlertMessage"],
        "LastModifiedTime": modified.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "ResourceArn": arn,
        "RelatedResourceArns": alert.get("RelatedResourceArns", []),
        "ResourceKind": kind if (kind := resource.split("/")[0]) in KINDS else "other",
        "ResourceName": resource.rsplit("/", 1)[-1],
    }


def put_events(entries):
    """PutEvents, sending again (100 ms, 200 ms, ... apart) the entries that come back failed."""
    for attempt in range(PUT_EVENTS_ATTEMPTS):
        if attempt:
            time.sleep(0.1 * 2 ** (attempt - 1))
        answer = events.put_events(Entries=entries)
        entries = [e for e, r in zip(entries, answer["Entries"]) if r.get("ErrorCode")]
        if not entries:
            return
    raise RuntimeError(f"{len(entries)} alert event(s) were not delivered to EventBridge")
