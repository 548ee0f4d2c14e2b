"""The web console over HTTP: sign-in, the signed session, CSRF, views of both clouds, actions
through the API with the cloud's own refusals, the live stream and the API explorer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import classic_elb, ess_client, ess_group, make_group


def signed_in(server: Server, key: str = "test", secret: str = "test") -> httpx.Client:
    browser = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    answer = browser.post("/console/sign-in", data={"key": key, "secret": secret})
    assert answer.status_code == 303, answer.text
    return browser


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def test_a_browser_opening_the_address_is_sent_to_the_console(server: Server) -> None:
    page = httpx.get(server.url + "/", headers={"accept": "text/html,*/*"})
    assert page.status_code == 303 and page.headers["location"] == "/console/"
    # an SDK's unsigned call is still answered as AWS answers it
    api = httpx.get(server.url + "/?Action=DescribeAutoScalingGroups&Version=2011-01-01")
    assert api.status_code in (400, 403) and "<ErrorResponse" in api.text
    plain = httpx.get(server.url + "/")
    assert plain.status_code != 303


def test_nothing_is_shown_without_signing_in(server: Server) -> None:
    anonymous = httpx.Client(base_url=server.url, follow_redirects=False)
    for path in ("/console/", "/console/explorer", "/console/aws/us-east-1/groups/x"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/sign-in"
    assert anonymous.get("/console/aws/us-east-1/groups/x/events").status_code == 401
    anonymous.cookies.set("tidewater_console", "test.99999999999.00")
    assert anonymous.get("/console/").status_code == 303


def test_a_wrong_key_pair_is_refused_plainly(server: Server) -> None:
    answer = httpx.post(server.url + "/console/sign-in", data={"key": "test", "secret": "nope"})
    assert answer.status_code == 401
    assert "That access key pair is not known here." in answer.text
    assert "tidewater_console" not in answer.headers.get("set-cookie", "")


def test_the_session_cookie_is_signed_http_only_and_strict(server: Server) -> None:
    answer = httpx.post(server.url + "/console/sign-in", data={"key": "test", "secret": "test"})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    key, expires, mac = value.split(".")
    assert key == "test" and expires.isdigit() and len(mac) == 64
    tampered = f"{key}.{int(expires) + 3600}.{mac}"
    forger = httpx.Client(base_url=server.url, follow_redirects=False)
    forger.cookies.set("tidewater_console", tampered)
    assert forger.get("/console/").status_code == 303


def test_groups_of_both_clouds_in_one_view_with_filters(
    server: Server, autoscaling: Any, region: str
) -> None:
    make_group(autoscaling, server, "console-web", min_size=0, desired=2, max_size=4)
    ess = ess_client(server, region)
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="console-ess", min_size=0, max_size=3
        )
    ).body.scaling_group_id
    browser = signed_in(server)
    page = browser.get("/console/", params={"region": region}).text
    assert "console-web" in page and "console-ess" in page and group in page
    assert re.search(r"0 / 2 / 4</td><td class=\"num\">2</td>", page)
    only_aws = browser.get("/console/", params={"region": region, "cloud": "aws"}).text
    assert "console-web" in only_aws and "console-ess" not in only_aws
    only_aliyun = browser.get("/console/", params={"region": region, "cloud": "aliyun"}).text
    assert "console-ess" in only_aliyun and "console-web" not in only_aliyun


def test_a_detach_from_the_console_is_the_apis_detach(
    server: Server, autoscaling: Any, region: str
) -> None:
    described = make_group(autoscaling, server, "console-detach", min_size=0, desired=2)
    first = described["Instances"][0]["InstanceId"]
    browser = signed_in(server)
    here = f"/console/aws/{region}/groups/console-detach"
    page = browser.get(here).text
    assert first in page and 'data-state="InService"' in page
    token = csrf_of(page)

    # without the session's token nothing changes
    refused = browser.post(here + "/actions", data={"action": "detach", "instance": first})
    assert refused.status_code == 403
    assert len(autoscaling.describe_auto_scaling_instances()["AutoScalingInstances"]) == 2

    done = browser.post(
        here + "/actions",
        data={"csrf": token, "action": "detach", "instance": first, "decrement": "true"},
    )
    assert done.status_code == 303
    shown = browser.get(done.headers["location"]).text
    assert f"Taking out {first}: 1 activity started." in shown
    assert "InProgress" in shown and "Detaching EC2 instance" in shown
    server.settle()
    after = browser.get(here).text
    assert first not in after.split("Activities")[0]
    assert 'data-status="Successful"' in after
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["console-detach"])
    assert group["AutoScalingGroups"][0]["DesiredCapacity"] == 1


def test_refusals_are_the_clouds_own_words(server: Server, autoscaling: Any, region: str) -> None:
    make_group(autoscaling, server, "console-refused", min_size=0, desired=1, max_size=2)
    browser = signed_in(server)
    here = f"/console/aws/{region}/groups/console-refused"
    token = csrf_of(browser.get(here).text)
    above = browser.post(
        here + "/actions", data={"csrf": token, "action": "desired", "desired": "9"}
    )
    assert above.status_code == 400
    assert "ValidationError" in above.text
    assert "New SetDesiredCapacity value 9 is above max value 2 for the AutoScalingGroup." in (
        above.text
    )
    nothing = browser.post(here + "/actions", data={"csrf": token, "action": "detach"})
    assert nothing.status_code == 400 and "Select one or more instances first." in nothing.text
    stranger = browser.post(
        here + "/actions",
        data={"csrf": token, "action": "protect", "instance": "i-0000000000000dead"},
    )
    assert stranger.status_code == 400
    assert "The instance i-0000000000000dead is not part of Auto Scaling group" in stranger.text


def test_standby_protection_and_desired_capacity_from_the_console(
    server: Server, autoscaling: Any, region: str
) -> None:
    described = make_group(autoscaling, server, "console-moves", min_size=0, desired=2)
    first = described["Instances"][0]["InstanceId"]
    browser = signed_in(server)
    here = f"/console/aws/{region}/groups/console-moves"
    token = csrf_of(browser.get(here).text)

    def act(**form: str) -> None:
        answer = browser.post(here + "/actions", data={"csrf": token, **form})
        assert answer.status_code == 303, answer.text
        server.settle()

    def state() -> dict[str, Any]:
        found = autoscaling.describe_auto_scaling_instances(InstanceIds=[first])
        return dict(found["AutoScalingInstances"][0])

    act(action="protect", instance=first)
    assert state()["ProtectedFromScaleIn"] is True
    act(action="unprotect", instance=first)
    assert state()["ProtectedFromScaleIn"] is False
    act(action="standby", instance=first, decrement="true")
    assert state()["LifecycleState"] == "Standby"
    act(action="unstandby", instance=first)
    assert state()["LifecycleState"] == "InService"
    act(action="desired", desired="1")
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["console-moves"])
    assert group["AutoScalingGroups"][0]["DesiredCapacity"] == 1


def test_an_ess_remove_with_its_policy(server: Server, region: str) -> None:
    group = ess_group(ess_client(server, region), region, "console-remove", desired=2)
    server.settle()
    server.advance(30)
    browser = signed_in(server)
    here = f"/console/aliyun/{region}/groups/{group}"
    page = browser.get(here).text
    ids = re.findall(r'name="instance" value="(i-[0-9a-z]+)"', page)
    assert len(ids) == 2 and "remove policy" in page
    answer = browser.post(
        here + "/actions",
        data={
            "csrf": csrf_of(page),
            "action": "remove",
            "instance": ids[0],
            "decrement": "true",
            "policy": "release",
        },
    )
    assert answer.status_code == 303, re.findall(r'role="alert">(.*?)</div>', answer.text)
    for _ in range(4):  # stopped, then released, each in simulated time
        server.advance(60)
    after = browser.get(here).text
    assert ids[0] not in after.split("Activities")[0] and ids[1] in after
    assert "Remove &#34;1&#34; ECS instance" in after
    refused = browser.post(
        here + "/actions",
        data={"csrf": csrf_of(after), "action": "remove", "instance": "i-notamember0000"},
    )
    assert refused.status_code == 400 and "<strong>" in refused.text


def test_the_live_stream_pushes_the_groups_state(
    server: Server, autoscaling: Any, region: str
) -> None:
    make_group(autoscaling, server, "console-live", min_size=0, desired=1)
    browser = signed_in(server)
    here = f"/console/aws/{region}/groups/console-live"
    with browser.stream("GET", here + "/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 250"
        event = [line for line in (next(lines) for _ in range(4)) if line]
    assert event[0] == "event: state"
    html = json.loads(event[1].removeprefix("data: "))["html"]
    assert 'data-state="InService"' in html and "<svg" in html


def test_the_explorer_sends_a_signed_call_and_shows_both_sides(
    server: Server, autoscaling: Any, region: str
) -> None:
    make_group(autoscaling, server, "console-explored", min_size=0, desired=0)
    browser = signed_in(server)
    form = browser.get(
        "/console/explorer",
        params={"product": "aws:autoscaling", "action": "DescribeAutoScalingGroups"},
    ).text
    assert 'name="AutoScalingGroupNames"' in form and "MaxRecords" in form
    assert "The maximum number of items to return with this call." in form  # its documentation
    detach = browser.get(
        "/console/explorer", params={"product": "aws:autoscaling", "action": "DetachInstances"}
    ).text
    assert re.search(r'AutoScalingGroupName <abbr title="required">\*</abbr>', detach)
    assert "min 1, max 255" in detach  # the model's own limits
    sent = browser.post(
        "/console/explorer",
        params={
            "product": "aws:autoscaling",
            "action": "DescribeAutoScalingGroups",
            "region": region,
        },
        data={"csrf": csrf_of(form), "AutoScalingGroupNames": "console-explored"},
    ).text
    assert "POST / HTTP/1.1" in sent and "AWS4-HMAC-SHA256 Credential=test/" in sent
    assert "AutoScalingGroupNames.member.1=console-explored" in sent
    assert "HTTP/1.1 200" in sent and "&lt;AutoScalingGroupName&gt;console-explored" in sent
    assert "client.describe_auto_scaling_groups(" in sent
    assert "aws autoscaling describe-auto-scaling-groups" in sent


def test_the_explorer_speaks_ess_with_its_own_definitions(server: Server, region: str) -> None:
    browser = signed_in(server)
    form = browser.get(
        "/console/explorer",
        params={"product": "aliyun:ess", "action": "CreateScalingGroup", "region": region},
    ).text
    assert 'name="ScalingGroupName"' in form and 'name="MinSize"' in form
    sent = browser.post(
        "/console/explorer",
        params={"product": "aliyun:ess", "action": "CreateScalingGroup", "region": region},
        data={
            "csrf": csrf_of(form),
            "ScalingGroupName": "explored",
            "MinSize": "0",
            "MaxSize": "2",
        },
    ).text
    assert "GET /?" in sent and "Signature=" in sent and "HTTP/1.1 200" in sent
    assert "ScalingGroupId" in sent
    assert "request.set_action_name(&#34;CreateScalingGroup&#34;)" in sent
    assert "models.CreateScalingGroupRequest(" in sent and "scaling_group_name=" in sent
    refused = browser.post(
        "/console/explorer",
        params={"product": "aliyun:ess", "action": "CreateScalingGroup", "region": region},
        data={"csrf": csrf_of(form), "ScalingGroupName": "bad", "MinSize": "x", "MaxSize": "2"},
    ).text
    assert "HTTP/1.1 400" in refused and "InvalidParameter" in refused
    assert "The specified value of parameter \\&#34;MinSize\\&#34; is not valid." in refused


def snippet_of(page: str, name: str) -> str:
    import html

    found = re.search(rf"<h3>{re.escape(name)}</h3><pre class=\"snippet\">(.*?)</pre>", page, re.S)
    assert found, name
    return html.unescape(found.group(1))


def test_the_explorers_snippets_make_the_same_call(
    server: Server, autoscaling: Any, region: str, tmp_path: Path
) -> None:
    """Each snippet, pasted as it is shown (the key placeholders filled in), runs and answers."""
    make_group(autoscaling, server, "console-snippet", min_size=0, desired=0)
    browser = signed_in(server)
    params = {"product": "aws:autoscaling", "action": "DescribeAutoScalingGroups", "region": region}
    form = browser.get("/console/explorer", params=params).text
    page = browser.post(
        "/console/explorer",
        params=params,
        data={"csrf": csrf_of(form), "AutoScalingGroupNames": "console-snippet"},
    ).text
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_PAGER": "",
    }
    boto = subprocess.run(
        [sys.executable, "-c", snippet_of(page, "boto3")], env=env, capture_output=True, text=True
    )
    assert boto.returncode == 0, boto.stderr
    assert "console-snippet" in boto.stdout
    cli = snippet_of(page, "aws CLI").replace(
        "aws ", f"{Path(sys.executable).with_name('aws')} ", 1
    )
    ran = subprocess.run(["sh", "-c", cli], env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "console-snippet" in ran.stdout

    ess_params = {"product": "aliyun:ess", "action": "DescribeScalingGroups", "region": region}
    form = browser.get("/console/explorer", params=ess_params).text
    page = browser.post(
        "/console/explorer", params=ess_params, data={"csrf": csrf_of(form), "PageSize": "10"}
    ).text
    for name in ("aliyun-python-sdk-core", "alibabacloud-ess20220222"):
        code = snippet_of(page, name).replace("<AccessKeyId>", "test")
        code = code.replace("<AccessKeySecret>", "test")
        ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert ran.returncode == 0, (name, ran.stderr)
        assert "TotalCount" in ran.stdout or "total_count" in ran.stdout, (name, ran.stdout)


def test_the_group_page_names_its_balancers(
    server: Server, autoscaling: Any, client: Any, region: str
) -> None:
    classic_elb(client("elb"), "console-lb", [f"{region}a"])
    make_group(
        autoscaling,
        server,
        "console-balanced",
        min_size=0,
        desired=1,
        zones=[f"{region}a"],
        LoadBalancerNames=["console-lb"],
    )
    page = signed_in(server).get(f"/console/aws/{region}/groups/console-balanced").text
    assert '<dd class="balancers">console-lb</dd>' in page


def test_the_explorer_takes_the_simulated_products_parameters_as_typed(
    server: Server, region: str
) -> None:
    browser = signed_in(server)
    params = {"product": "aliyun:ecs", "action": "DescribeInstances", "region": region}
    form = browser.get("/console/explorer", params=params).text
    assert 'name="Parameters"' in form and "One Name=value per line" in form
    sent = browser.post(
        "/console/explorer",
        params=params,
        data={"csrf": csrf_of(form), "Parameters": "PageSize=10\nPageNumber=1"},
    ).text
    assert "Version=2014-05-26" in sent and "PageSize=10" in sent
    assert "HTTP/1.1 200" in sent and "TotalCount" in sent
    aws = browser.get(
        "/console/explorer", params={"product": "aws:ec2", "action": "DescribeInstances"}
    ).text
    assert 'name="InstanceIds"' in aws
    assert browser.get("/console/explorer", params={"product": "aws:nothing"}).status_code == 404
