"""Development e-mail: every message as its own .eml file under var/mail/ (open it in any mail
program, or read it as text), so a demo user can read the codes the system sends."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            target = self.path / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            target.write_bytes(message.message().as_bytes(linesep="\n"))
            sent += 1
        return sent
