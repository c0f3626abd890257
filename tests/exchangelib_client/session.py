"""A service written with exchangelib (PyPI) against the embedded EWS server.

Started by tests/testkit_exchangelib.rs with the server's URL and a user; prints
one JSON object per step on stdout, so the Rust test can check what this
client saw, and exits non-zero when a step raises.

Usage: session.py URL USER PASSWORD RECIPIENT
"""

import json
import sys


def step(step_name, **fields):
    print(json.dumps({"step": step_name, **fields}), flush=True)


def main():
    url, user, password, recipient = sys.argv[1:5]
    from exchangelib import (
        BASIC,
        DELEGATE,
        Account,
        Build,
        Configuration,
        Credentials,
        Mailbox,
        Message,
        Version,
    )
    from exchangelib.errors import ErrorFolderNotFound

    # Exchange 2019's build, as the server's ServerVersionInfo says: a known
    # version means no version guessing (exchangelib's guess uses ConvertId).
    config = Configuration(
        service_endpoint=url,
        credentials=Credentials(user, password),
        auth_type=BASIC,
        version=Version(build=Build(15, 2, 1544, 11)),
    )
    account = Account(
        primary_smtp_address=user,
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
    )

    # 1. Folder lookup: GetFolder on distinguished folders, with their counts.
    sent = account.sent
    inbox = account.inbox
    step(
        "folders",
        sent=sent.name,
        sent_total=sent.total_count,
        inbox=inbox.name,
        inbox_total=inbox.total_count,
    )
    # Conversation History the way a service asks for it: GetFolder, and when
    # the mailbox lacks it, exchangelib walks the folder tree (FindFolder)
    # before it gives up with ErrorFolderNotFound.
    try:
        history = account.conversation_history
        step("conversation_history", found=True, folder=history.name)
    except ErrorFolderNotFound as e:
        step("conversation_history", found=False, error=type(e).__name__)
    step("tree", folders=sorted(f.name for f in account.root.walk()))

    # Addresses and time zones, as a service checks them before it sends.
    resolved = account.protocol.resolve_names([recipient])
    unknown = account.protocol.resolve_names(["nobody@contoso.com"])
    zones = list(account.protocol.get_timezones())
    step(
        "lookups",
        resolved=[getattr(r, "email_address", None) for r in resolved],
        unknown=[type(u).__name__ for u in unknown],
        zones=[getattr(z, "id", None) for z in zones],
    )

    # 2. Send with a saved copy.
    subject = "exchangelib says hello"
    message = Message(
        account=account,
        folder=sent,
        subject=subject,
        body="Sent by exchangelib through the embedded server.",
        to_recipients=[Mailbox(email_address=recipient)],
    )
    message.send_and_save()
    step("sent", subject=subject)

    # 3. Read it back from Sent Items (the copy appears once the transport
    # has submitted it).
    import time

    found = []
    for _ in range(50):
        sent.refresh()
        found = list(sent.filter(subject=subject))
        if found:
            break
        time.sleep(0.1)
    sent.refresh()  # the counts as of now, the copy included
    step(
        "read_back",
        count=len(found),
        subjects=[m.subject for m in found],
        sent_total=sent.total_count,
    )

    # 4. Delete it.
    for m in found:
        m.delete()
    sent.refresh()
    step("deleted", sent_total=sent.total_count, left=len(list(sent.filter(subject=subject))))


if __name__ == "__main__":
    main()
