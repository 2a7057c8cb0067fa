"""Security of the plant link: certificates, users, and rules that refuse writes.

``twinbench live-certs DIR`` (:func:`make_certificates`) writes a self-signed application
certificate for the server and one for the watch client (RSA 2048, SHA-256, the
application URI in the subject alternative name as OPC UA Part 6 asks), puts the client's
certificate in the server's trust list, and adds user names with scrypt-hashed passwords
to ``users.json``. A server given the folder (:class:`SecurityConfig`) offers only
Basic256Sha256 Sign & Encrypt, accepts only user-name tokens of known users from trusted
client certificates, and refuses every write (:class:`ReadOnlyRuleset`): the live twin
reads the plant, it never writes to it. Without security the server still refuses
writes, anonymous ones included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CLIENT_URI", "SERVER_URI", "ReadOnlyRuleset", "SecurityConfig", "add_user",
           "check_password", "make_certificates"]

SERVER_URI = "urn:twinbench:plant-server"
CLIENT_URI = "urn:twinbench:watch"


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1)


def add_user(users_file: str | Path, name: str, password: str) -> Path:
    """Add (or replace) user ``name`` with a scrypt hash of ``password`` in ``users_file``."""
    if not name or not password:
        raise ValueError("a user needs a non-empty name and password; found "
                         f"name={name!r} and a password of {len(password)} characters")
    path = Path(users_file)
    users = json.loads(path.read_text()) if path.exists() else {}
    salt = os.urandom(16)
    users[name] = {"salt": base64.b64encode(salt).decode(),
                   "scrypt": base64.b64encode(_hash(password, salt)).decode()}
    path.write_text(json.dumps(users, indent=1))
    path.chmod(0o600)
    return path


def check_password(users: dict, name: str | None, password: str | None) -> bool:
    """Whether ``name`` is a user of ``users`` (the ``users.json`` content) with ``password``."""
    if not name or password is None or name not in users:
        return False
    rec = users[name]
    want = base64.b64decode(rec["scrypt"])
    return hmac.compare_digest(_hash(password, base64.b64decode(rec["salt"])), want)


def _certificate(folder: Path, stem: str, uri: str, host: str, server: bool,
                 days: int) -> tuple[Path, Path]:
    import ipaddress

    from asyncua.crypto.cert_gen import (
        dump_private_key_as_pem,
        generate_private_key,
        generate_self_signed_app_certificate,
    )
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = generate_private_key()
    alt: list[x509.GeneralName] = [x509.UniformResourceIdentifier(uri), x509.DNSName(host),
                                   x509.DNSName("localhost"),
                                   x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    usage = [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
    cert = generate_self_signed_app_certificate(
        key, f"twinbench {stem}", {"organizationName": "twinbench"}, alt, usage, days=days)
    cert_path, key_path = folder / f"{stem}_cert.der", folder / f"{stem}_key.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.DER))
    key_path.write_bytes(dump_private_key_as_pem(key))
    key_path.chmod(0o600)
    return cert_path, key_path


def make_certificates(folder: str | Path, users: dict[str, str] | None = None,
                      host: str | None = None, days: int = 365) -> dict[str, Path]:
    """Write server and client certificates, the trust list and the users file.

    Parameters
    ----------
    folder
        Output folder (created): ``server_cert.der``, ``server_key.pem``,
        ``client_cert.der``, ``client_key.pem``, ``trusted/client_cert.der``, ``users.json``.
    users
        User name -> password to add.
    host
        Host name written into the certificates (default this machine's).
    days
        Validity [d].
    """
    out = Path(folder)
    (out / "trusted").mkdir(parents=True, exist_ok=True)
    host = host or socket.gethostname()
    s_cert, s_key = _certificate(out, "server", SERVER_URI, host, True, days)
    c_cert, c_key = _certificate(out, "client", CLIENT_URI, host, False, days)
    (out / "trusted" / "client_cert.der").write_bytes(c_cert.read_bytes())
    files = {"server_cert": s_cert, "server_key": s_key, "client_cert": c_cert,
             "client_key": c_key, "trusted": out / "trusted"}
    users_file = out / "users.json"
    if not users_file.exists():
        users_file.write_text("{}")
    for name, pw in (users or {}).items():
        add_user(users_file, name, pw)
    files["users"] = users_file
    return files


@dataclass(frozen=True)
class SecurityConfig:
    """A certificate folder made by :func:`make_certificates` (server or client side).

    Attributes
    ----------
    folder
        The folder.
    users_file
        Users file of the server (default ``folder/users.json``).
    """

    folder: Path
    users_file: Path | None = None

    def path(self, name: str) -> Path:
        """A file of the folder; a clear error when it is missing."""
        p = Path(self.folder) / name
        if not p.exists():
            raise FileNotFoundError(f"{p} not found; make the certificate folder with "
                                    f"`twinbench live-certs {self.folder}`")
        return p

    def users(self) -> dict:
        """The users file's content."""
        if self.users_file is not None:
            if not Path(self.users_file).exists():
                raise FileNotFoundError(f"users file {self.users_file} not found; add a user "
                                        "with `twinbench live-add-user FILE NAME`")
            return json.loads(Path(self.users_file).read_text())
        return json.loads(self.path("users.json").read_text())


class ReadOnlyRuleset:
    """Permission rules: reading, browsing, subscribing and history for signed-in users;
    nothing for anonymous sessions when ``anonymous_read`` is False; writes for nobody."""

    def __init__(self, anonymous_read: bool = False) -> None:
        from asyncua import ua
        from asyncua.crypto.permission_rules import USER_TYPES, UserRole

        write = ua.NodeId(ua.ObjectIds.WriteRequest_Encoding_DefaultBinary)
        read = {ua.NodeId(t) for t in USER_TYPES} - {write}
        self._allowed = {UserRole.Admin: read, UserRole.User: read,
                         UserRole.Anonymous: read if anonymous_read else set()}

    def check_validity(self, user, action_type_id, body) -> bool:
        """Whether ``user`` may send a request of type ``action_type_id``."""
        return action_type_id in self._allowed.get(user.role, set())


class PasswordUserManager:
    """Signs in users of ``users.json`` (scrypt-checked); anonymous only if allowed.

    Parameters
    ----------
    users
        The users file's content.
    anonymous
        Accept anonymous sessions (the server without security).
    require_channel_certificate
        Accept a session only on a secure channel: asyncua hands the user manager the
        channel's client certificate, None on an unsigned (SecurityPolicy None) channel.
        asyncua's server always opens None channels (endpoint discovery needs them) and
        applies no permission rules on them, so without this check a client that ignores
        the endpoints' security could sign in on an unsigned channel.
    """

    def __init__(self, users: dict, anonymous: bool = False,
                 require_channel_certificate: bool = False) -> None:
        self.users = users
        self.anonymous = anonymous
        self.require_channel_certificate = require_channel_certificate

    def get_user(self, iserver, username=None, password=None, certificate=None):
        """The asyncua user of a session, or None to refuse it."""
        from asyncua.crypto.permission_rules import User, UserRole

        if self.require_channel_certificate and not certificate:
            return None
        if username is None:
            return User(role=UserRole.Anonymous) if self.anonymous else None
        if check_password(self.users, username, password):
            return User(role=UserRole.User, name=username)
        return None
