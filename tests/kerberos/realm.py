#!/usr/bin/env python3
"""A throw-away MIT Kerberos realm on 127.0.0.1 for the Negotiate tests.

Makes, in a new temporary directory, two realms with MIT's own tools
(``kdb5_util create -s``, ``kadmin.local``) and starts a KDC (``krb5kdc -n``)
for each:

- ``CONTOSO.TEST``: the users ``kim`` (password ``Kim-Kerberos-pw1``) and
  ``svc-offline-im`` (random key, in ``client.keytab``), the service
  ``HTTP/localhost``, ``HTTP/contoso.com`` and ``HTTP/autodiscover.contoso.com``
  (random keys, in ``http.keytab``), and a credential cache
  collection ``ccaches`` with kim's ticket (``kinit``, the primary), eve's
  ticket that expires 5 seconds after the start, and where tickets got with
  the client keytab go too.
- ``SKEW.TEST``: the user ``lee`` (password ``Lee-Kerberos-pw1``), served by a
  KDC whose clock runs an hour ahead (``faketime``), for clock-skew errors.

Every principal requires pre-authentication, so a wrong password and a skewed
clock are found by the KDC. ``krb5.conf`` turns off DNS look-ups and
canonicalization and the client's clock correction (``kdc_timesync = 0``),
which would otherwise hide the skew.

Prints ``DIR <path>`` and ``READY`` on stdout, then stops both KDCs and removes
the directory when its standard input closes or after ``--lifetime`` seconds.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REALMS = {
    "CONTOSO.TEST": {"users": {"kim": "Kim-Kerberos-pw1", "eve": "Eve-Kerberos-pw1"}, "skew": None},
    "SKEW.TEST": {"users": {"lee": "Lee-Kerberos-pw1"}, "skew": "+1h"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, env, stdin=None):
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("%s failed: %s%s" % (" ".join(args), done.stdout, done.stderr))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifetime", type=float, default=300.0)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="offline-im-krb-")
    ports = {realm: free_port() for realm in REALMS}
    conf = os.path.join(root, "krb5.conf")
    with open(conf, "w") as f:
        f.write(
            "[libdefaults]\n"
            " default_realm = CONTOSO.TEST\n"
            " dns_lookup_kdc = false\n"
            " dns_lookup_realm = false\n"
            " dns_canonicalize_hostname = false\n"
            " rdns = false\n"
            " kdc_timesync = 0\n"
            " udp_preference_limit = 1\n"
            "[realms]\n"
        )
        for realm, port in ports.items():
            f.write(" %s = {\n  kdc = 127.0.0.1:%d\n }\n" % (realm, port))
        f.write(
            "[domain_realm]\n localhost = CONTOSO.TEST\n"
            " contoso.com = CONTOSO.TEST\n .contoso.com = CONTOSO.TEST\n"
        )

    kdcs = []
    # Whatever fails on the way stops the KDCs started so far and removes the directory.
    try:
        for realm, spec in REALMS.items():
            home = os.path.join(root, realm)
            os.mkdir(home)
            profile = os.path.join(home, "kdc.conf")
            with open(profile, "w") as f:
                f.write(
                    "[kdcdefaults]\n kdc_listen = 127.0.0.1:%d\n kdc_tcp_listen = 127.0.0.1:%d\n"
                    "[realms]\n %s = {\n"
                    "  database_name = %s/principal\n"
                    "  key_stash_file = %s/stash\n"
                    "  acl_file = %s/kadm5.acl\n"
                    "  default_principal_flags = +preauth\n"
                    "  supported_enctypes = aes256-cts-hmac-sha1-96:normal\n"
                    " }\n"
                    "[logging]\n kdc = FILE:%s/kdc.log\n"
                    % (ports[realm], ports[realm], realm, home, home, home, home)
                )
            env = dict(os.environ, KRB5_CONFIG=conf, KRB5_KDC_PROFILE=profile)
            run(["kdb5_util", "-r", realm, "create", "-s", "-P", "master-key-for-tests"], env)
            admin = lambda query: run(["kadmin.local", "-r", realm, "-q", query], env)
            for user, password in spec["users"].items():
                admin("addprinc -pw %s %s" % (password, user))
            if realm == "CONTOSO.TEST":
                # eve's tickets live 5 seconds: an expired ticket in the cache.
                admin('modprinc -maxlife "5 seconds" eve')
                for host in ("localhost", "contoso.com", "autodiscover.contoso.com"):
                    admin("addprinc -randkey HTTP/%s" % host)
                    admin("ktadd -k %s/http.keytab HTTP/%s" % (root, host))
                admin("addprinc -randkey svc-offline-im")
                admin("ktadd -k %s/client.keytab svc-offline-im" % root)
            command = ["krb5kdc", "-n", "-r", realm, "-P", os.path.join(home, "kdc.pid")]
            if spec["skew"]:
                command = ["faketime", "-f", spec["skew"]] + command
            # A session of its own, so that stopping it stops faketime's child too.
            kdcs.append(
                subprocess.Popen(
                    command,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        ready(ports, conf, root)
    except BaseException:
        stop(kdcs, root)
        raise
    print("DIR %s" % root, flush=True)
    print("READY", flush=True)

    done = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait(args.lifetime)
    stop(kdcs, root)


def ready(ports, conf, root):
    """Waits until each KDC listens, then fills kim's credential cache."""
    for port in ports.values():
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("a KDC did not start listening on port %d" % port)

    env = dict(os.environ, KRB5_CONFIG=conf)
    os.mkdir(os.path.join(root, "ccaches"))
    # eve's short-lived ticket in a cache of the collection, then kim's, which
    # becomes the collection's primary (the default credentials).
    run(
        ["kinit", "-l", "5s", "-c", "DIR::%s/ccaches/tkteve" % root, "eve@CONTOSO.TEST"],
        env,
        stdin=REALMS["CONTOSO.TEST"]["users"]["eve"] + "\n",
    )
    run(
        ["kinit", "-c", "DIR:%s/ccaches" % root, "kim@CONTOSO.TEST"],
        env,
        stdin=REALMS["CONTOSO.TEST"]["users"]["kim"] + "\n",
    )


def stop(kdcs, root):
    for kdc in kdcs:
        try:
            os.killpg(kdc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for kdc in kdcs:
        try:
            kdc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(kdc.pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
