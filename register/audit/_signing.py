"""Signing audit entries: Ed25519 keys kept outside the store, public keys published in it.

The writer's private key is read from ``$INSYN_SIGNING_KEY`` (a PEM file) or
``$INSYN_KEY_DIR/<store id>.pem`` (``INSYN_KEY_DIR`` defaults to
``~/.config/insyn/keys``); it is deliberately kept out of the store (``.insyn/``),
so whoever can write the store's database or artifacts cannot sign. A key is
created (mode 0600) on first use only while the log holds no signed entry; once
it does, a missing key is an error, never a silent new key.

A key is named by its key id: the first 16 hex digits of the SHA-256 of the raw
32-byte public key. An entry's signature is Ed25519 over the 32 bytes of its hash,
base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from register._errors import InsynError
from register.store._view import StoreView

KEY_ENV = "INSYN_SIGNING_KEY"
KEY_DIR = "keys"  # in the log run: keys/<key id>.pem
KEY_DIR_ENV = "INSYN_KEY_DIR"
DEFAULT_KEY_DIR = "~/.config/insyn/keys"

KEY_MISSING_MESSAGE = (
    "The signing key {path} does not exist, but the audit log already holds entries signed "
    "with key {key_ids}. insyn does not create a new key for a log that has one: set "
    "INSYN_SIGNING_KEY to the key's PEM file (or INSYN_KEY_DIR to its folder). Nothing was written."
)
KEY_UNREADABLE_MESSAGE = (
    "The signing key {path} is not an Ed25519 private key in PEM format ({reason}). "
    "Nothing was written."
)
PUBLIC_KEY_UNREADABLE_MESSAGE = "The file {path} is not an Ed25519 public key in PEM format."


class SigningKeyError(InsynError, RuntimeError):
    """The writer's signing key is missing or unreadable (nothing was written)."""


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_pem(data: bytes) -> Ed25519PublicKey | None:
    """The Ed25519 public key in ``data`` (PEM), or None when it is not one."""
    try:
        public = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None
    return public if isinstance(public, Ed25519PublicKey) else None


def load_public_file(path: Path) -> Ed25519PublicKey:
    """A pinned public key from a PEM file (a private key file is accepted too: its public
    half is used); raises :class:`SigningKeyError` naming the file."""
    data = Path(path).read_bytes()
    public = load_public_pem(data)
    if public is None:
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            private = None
        if isinstance(private, Ed25519PrivateKey):
            public = private.public_key()
    if public is None:
        raise SigningKeyError(PUBLIC_KEY_UNREADABLE_MESSAGE.format(path=path))
    return public


def verify_signature(public: Ed25519PublicKey, digest: str, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public``'s Ed25519 signature of hash ``digest``."""
    try:
        public.verify(base64.b64decode(signature, validate=True), bytes.fromhex(digest))
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


class Signer:
    """A writer's private key: signs entry hashes; exposes its key id and public PEM."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self._public = private.public_key()
        self._key_id = key_id(self._public)

    @property
    def key_id(self) -> str:
        """The key id (16 hex digits) entries signed by this key carry."""
        return self._key_id

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half."""
        return self._public

    @property
    def public_pem(self) -> bytes:
        """The public half as PEM."""
        return public_pem(self._public)

    def sign(self, digest: str) -> str:
        """The base64 Ed25519 signature of the 32-byte hash ``digest`` (hex)."""
        return base64.b64encode(self._private.sign(bytes.fromhex(digest))).decode()

    @classmethod
    def generate(cls) -> Signer:
        """A fresh key (tests and key creation)."""
        return cls(Ed25519PrivateKey.generate())

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (for writing the key file)."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def key_path(store_id: str) -> Path:
    """Where the writer's key for the store ``store_id`` is read from."""
    explicit = os.environ.get(KEY_ENV)
    if explicit:
        return Path(explicit).expanduser()
    folder = Path(os.environ.get(KEY_DIR_ENV) or DEFAULT_KEY_DIR).expanduser()
    safe = "".join(ch for ch in store_id if ch.isalnum() or ch in "-_") or "store"
    return folder / f"{safe}.pem"


def read_signer(path: Path) -> Signer:
    """The signer in the PEM file ``path``; raises :class:`SigningKeyError`."""
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningKeyError(KEY_UNREADABLE_MESSAGE.format(path=path, reason=exc)) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(
            KEY_UNREADABLE_MESSAGE.format(path=path, reason=type(private).__name__)
        )
    return Signer(private)


def create_key_file(path: Path) -> Signer:
    """Create a new key at ``path`` (mode 0600, atomically: a concurrent creator's key wins
    and is returned)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = Signer.generate()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, signer.private_pem())
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process created the key first
        except FileExistsError:
            return read_signer(path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return signer


def signer_for(view: StoreView, store_id: str, signed_key_ids: tuple[str, ...] = ()) -> Signer:
    """The writer's signer for this store: the key file if it exists; a new key only while
    the log holds no signed entry (``signed_key_ids`` empty); else :class:`SigningKeyError`.
    The signer is cached in ``view`` (a refusal is not)."""
    path = key_path(store_id)
    return view.cached(("signing", str(path)), lambda: _read_or_create(path, signed_key_ids))


def _read_or_create(path: Path, signed_key_ids: tuple[str, ...]) -> Signer:
    if path.exists():
        return read_signer(path)
    if os.environ.get(KEY_ENV) or signed_key_ids:
        raise SigningKeyError(
            KEY_MISSING_MESSAGE.format(path=path, key_ids=", ".join(signed_key_ids) or "?")
        )
    return create_key_file(path)


def published_key_ids(view: StoreView, run_id: str) -> tuple[str, ...]:
    """The key ids whose public keys the log run publishes (``keys/<key id>.pem``)."""
    found = view.store.list_artifacts(run_id, KEY_DIR)
    return tuple(sorted(Path(f.path).stem for f in found if f.path.endswith(".pem")))


def publish_key(view: StoreView, run_id: str, signer: Signer) -> None:
    """Publish ``signer``'s public key in the log run (once; ``keys/<key id>.pem``)."""
    view.cached(
        ("audit", "key_published", run_id, signer.key_id),
        lambda: _publish_key_now(view, run_id, signer),
    )


def _publish_key_now(view: StoreView, run_id: str, signer: Signer) -> bool:
    if signer.key_id not in published_key_ids(view, run_id):
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / f"{signer.key_id}.pem"
            local.write_bytes(signer.public_pem)
            view.store.log_artifact(run_id, local, KEY_DIR)
    return True


def published_public_key(view: StoreView, run_id: str, key: str) -> Ed25519PublicKey | None:
    """The public key ``keys/<key>.pem`` the log run publishes, or None when it is
    missing or not an Ed25519 public key."""
    try:
        data = view.store.read_artifact(run_id, f"{KEY_DIR}/{key}.pem")
    except Exception:  # missing or unreadable: no key (verification names the file)
        return None
    return load_public_pem(data)


def signature_holds(
    view: StoreView, run_id: str, key: str | None, digest: str, signature: str | None
) -> bool:
    """Whether ``signature`` of the entry hash ``digest`` verifies with the published key
    ``key`` of the log run (keys are read once per view and re-read for a new id)."""
    cache = ("audit", "reader_keys", run_id)
    keys: dict[str, Ed25519PublicKey] = view.cached(cache, dict)
    if key not in keys:
        keys = dict(keys)
        for found in published_key_ids(view, run_id):
            if found not in keys:
                public = published_public_key(view, run_id, found)
                if public is not None:
                    keys[found] = public
        view.forget(cache)
        view.cached(cache, lambda: keys)
    public = keys.get(str(key))
    return public is not None and verify_signature(public, digest, str(signature))
