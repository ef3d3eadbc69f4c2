"""MAST API tokens: where one comes from, where it may be kept, and how it is hidden.

Sources, in order (MAST_PROTOCOL.md section 3): the argument, ``$MAST_API_TOKEN``, the OS
keyring under astroquery's own entry (so a token stored for astroquery just works), then
``getpass`` when attached to a terminal. A token lives in memory only, inside
:class:`SecretToken`; nothing here writes it anywhere but the keyring, and only when asked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from mastcache.errors import AuthenticationError

__all__ = [
    "ENV_VAR",
    "KEYRING_SERVICE",
    "KEYRING_USERNAME",
    "TOKEN_PAGE",
    "SecretToken",
    "TokenChoice",
    "choose_token",
    "forget_stored_token",
    "keep_token",
    "keyring_backend_name",
    "read_stored_token",
    "store_token",
]

#: astroquery 0.4.11's keyring entry (astroquery/mast/auth.py): service and user name.
KEYRING_SERVICE: Final = "astroquery:mast.stsci.edu.token"
KEYRING_USERNAME: Final = "masttoken"
ENV_VAR: Final = "MAST_API_TOKEN"
TOKEN_PAGE: Final = (
    "https://auth.mast.stsci.edu/token?suggested_name=Astroquery"
    "&suggested_scope=mast:exclusive_access"
)
_HIDDEN: Final = "SecretToken('********')"


class SecretToken:
    """A MAST token whose ``repr``/``str`` never show it; ``reveal()`` is the only way in.

    It refuses to be pickled, so it cannot end up in a cache entry by accident.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        cleaned = value.strip() if isinstance(value, str) else ""
        if not cleaned:
            raise AuthenticationError(
                "the MAST token is empty: expected the token text from "
                f"{TOKEN_PAGE} (or set {ENV_VAR})"
            )
        self._value = cleaned

    def reveal(self) -> str:
        """The token itself: only for the ``mast_token`` cookie or the keyring."""
        return self._value

    def __repr__(self) -> str:
        return _HIDDEN

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash((SecretToken, self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecretToken cannot be pickled or copied to storage")


@dataclass(frozen=True)
class TokenChoice:
    """The token to use and where it came from (argument, environment, keyring, prompt)."""

    token: SecretToken
    source: str


Prompt = Callable[[str], str]


def choose_token(
    token: str | SecretToken | None = None,
    *,
    reenter: bool = False,
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
    interactive: bool | None = None,
) -> TokenChoice:
    """The token to log in with, from the first source that has one.

    ``reenter`` skips the environment and the keyring (a new token replaces the old one).
    ``prompt`` defaults to ``getpass``; it is used only when ``interactive`` (default: stdin
    is a terminal). No source -> AuthenticationError naming every way to give one.
    """
    if token is not None:
        return TokenChoice(_secret(token), "argument")
    env = os.environ if environ is None else environ
    if not reenter and env.get(ENV_VAR, "").strip():
        return TokenChoice(SecretToken(env[ENV_VAR]), "environment")
    keyring_problem = None
    if not reenter:
        stored, keyring_problem = _try_read_stored()
        if stored is not None:
            return TokenChoice(stored, "keyring")
    if _is_interactive(interactive):
        return TokenChoice(_prompted(prompt), "prompt")
    raise AuthenticationError(_no_token_message(keyring_problem))


def read_stored_token() -> SecretToken | None:
    """The token in astroquery's keyring entry, or None; no usable backend -> error."""
    stored, problem = _try_read_stored()
    if problem is not None:
        raise AuthenticationError(problem)
    return stored


def store_token(token: SecretToken) -> None:
    """Save ``token`` in the keyring entry astroquery reads; fail loudly if it cannot stay."""
    keyring = _keyring()
    _check_backend(keyring)
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, token.reveal())
        kept = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except keyring.errors.KeyringError as exc:
        raise AuthenticationError(_backend_message(keyring, type(exc).__name__)) from None
    if kept != token.reveal():
        raise AuthenticationError(_backend_message(keyring, "it did not keep the token"))


def forget_stored_token() -> bool:
    """Delete the keyring entry; whether there was one to delete."""
    keyring = _keyring()
    _check_backend(keyring)
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise AuthenticationError(_backend_message(keyring, type(exc).__name__)) from None
    return True


def keyring_backend_name() -> str:
    """The keyring backend in use (``module.Class``), for ``auth status``."""
    backend = _keyring().get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def keep_token(token: SecretToken, *, store: bool, replace: bool) -> None:
    """Save an accepted token: always with ``store``; with ``replace`` only over a stored one."""
    if store:
        store_token(token)
    elif replace:
        try:
            previous = read_stored_token()
        except AuthenticationError:
            return  # no usable keyring: nothing stored to replace
        if previous is not None and previous != token:
            store_token(token)


# -- helpers ------------------------------------------------------------------------------


def _secret(token: str | SecretToken) -> SecretToken:
    return token if isinstance(token, SecretToken) else SecretToken(token)


def _is_interactive(interactive: bool | None) -> bool:
    if interactive is not None:
        return interactive
    stdin = sys.stdin
    return stdin is not None and stdin.isatty()


def _prompted(prompt: Prompt | None) -> SecretToken:
    if prompt is None:
        from getpass import getpass

        prompt = getpass
    sys.stderr.write(f"If you do not have a MAST API token yet, create one at {TOKEN_PAGE}\n")
    return SecretToken(prompt("Enter MAST API Token: "))


def _keyring() -> Any:
    """The keyring module, with its backend chosen (:func:`_choose_backend`)."""
    try:
        import keyring
        import keyring.errors
    except ImportError as exc:  # pragma: no cover - keyring ships with astroquery
        raise AuthenticationError(
            f"the keyring package is not installed: pip install keyring, or set {ENV_VAR}"
        ) from exc
    _choose_backend(keyring)
    return keyring


#: keyring's macOS backend imports this module to bind the Security framework with ctypes;
#: on other systems ``ctypes.util.find_library`` looks for it in vain (~50 ms of subprocesses).
_MACOS_API: Final = "keyring.backends.macOS.api"


class _MacOSAPIRefused:
    """A ``sys.meta_path`` finder refusing :data:`_MACOS_API` (cli/lean.py defers pandas so)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == _MACOS_API:
            raise ImportError(f"{_MACOS_API} binds macOS frameworks: not imported on this system")


def _choose_backend(keyring: Any) -> None:
    """Let keyring choose its backend as it always does ($PYTHON_KEYRING_BACKEND, else
    keyringrc.cfg, else the viable backend of highest priority), only faster off macOS.

    Off macOS, keyring's macOS backend is never viable: its ``priority`` raises "macOS
    required" before it asks whether the Security API loaded, and its module already passes
    over a failed import of that API. Refusing the import there changes no choice and spares
    the search. A backend already chosen (or set by ``keyring.set_keyring``) is kept as is.
    """
    import platform

    if platform.system() == "Darwin":  # keyring's own test (keyring/backends/macOS)
        keyring.get_keyring()
        return
    refused = _MacOSAPIRefused()
    sys.meta_path.insert(0, refused)
    try:
        keyring.get_keyring()
    finally:
        sys.meta_path.remove(refused)


def _is_unusable(backend: object) -> bool:
    """keyring's ``fail`` backend raises on use; its ``null`` one silently drops tokens."""
    module = type(backend).__module__
    return module in ("keyring.backends.fail", "keyring.backends.null")


def _check_backend(keyring: Any) -> None:
    backend = keyring.get_keyring()
    if _is_unusable(backend):
        raise AuthenticationError(_backend_message(keyring, "it cannot store secrets"))


def _try_read_stored() -> tuple[SecretToken | None, str | None]:
    """(token or None, why the keyring could not be read or None)."""
    keyring = _keyring()
    if _is_unusable(keyring.get_keyring()):
        return None, _backend_message(keyring, "it cannot store secrets")
    try:
        value = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except keyring.errors.KeyringError as exc:
        return None, _backend_message(keyring, type(exc).__name__)
    return (SecretToken(value), None) if value and value.strip() else (None, None)


def _backend_message(keyring: Any, why: str) -> str:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    return (
        f"no usable keyring on this machine (backend {name}: {why}), so the MAST token "
        f"cannot be stored or read there. Set the {ENV_VAR} environment variable to your "
        f"token instead (e.g. in your shell profile), or pass the token to login(); a "
        "desktop session or the keyrings.alt package provides a keyring backend"
    )


def _no_token_message(keyring_problem: str | None) -> str:
    message = (
        "no MAST token was found: expected one passed to login(token=...), the "
        f"{ENV_VAR} environment variable, or astroquery's keyring entry "
        f"({KEYRING_SERVICE!r}); there is no terminal to ask for one. Create a token at "
        f"{TOKEN_PAGE}"
    )
    return message if keyring_problem is None else f"{message}. Also: {keyring_problem}"
