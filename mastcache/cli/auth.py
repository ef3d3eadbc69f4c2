"""``mastcache auth``: check a MAST token, keep it in the keyring, forget it, show the session.

A command line process keeps nothing between runs, so ``login`` checks a token with MAST and,
with ``--store-token``, saves it in the keyring entry astroquery also reads. No command ever
prints a token.

:func:`account_option` gives the query commands (``query``, ``resolve``, ``products``,
``download``) an ``--anonymous`` flag; without it they act as the account whose token
$MAST_API_TOKEN or the keyring holds (never prompting), and anonymously when there is none.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mastcache.errors import AuthenticationError

__all__ = ["account_option", "auth", "sign_in"]

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def auth() -> None:
    """Log in to MAST with a token, log out, show the session."""


@auth.command()
@click.option(
    "--token-stdin",
    is_flag=True,
    help="Read the token from standard input (e.g. `pass mast | mastcache auth login ...`).",
)
@click.option("--store-token", is_flag=True, help="Save the token in the OS keyring once accepted.")
@click.option(
    "--reenter-token",
    is_flag=True,
    help="Ask for a new token even if one is stored, and replace the stored one.",
)
def login(token_stdin: bool, store_token: bool, reenter_token: bool) -> None:
    """Check a MAST token with MAST and, with --store-token, keep it in the keyring.

    The token comes from standard input (--token-stdin), else $MAST_API_TOKEN, else the
    keyring, else a hidden prompt on a terminal.
    """
    from mastcache.auth.account import check_token
    from mastcache.auth.tokens import choose_token, keep_token
    from mastcache.runtime import current_settings

    settings = current_settings()
    _refuse_offline(settings.mode)
    given = _read_stdin() if token_stdin else None
    choice = choose_token(given, reenter=reenter_token)
    session = check_token(settings, choice.token)
    keep_token(choice.token, store=store_token, replace=reenter_token)
    account = session.account
    click.echo(f"Logged in to MAST as {account.display_name} ({account.username}).")
    click.echo(f"identity scope: {account.scope}  (token from: {choice.source})")
    if store_token or reenter_token:
        click.echo("The token is in the keyring; the Python API and astroquery will find it.")
    elif choice.source in ("argument", "prompt"):
        click.echo(
            "The token was not kept: add --store-token to keep it in the keyring, "
            "or set MAST_API_TOKEN."
        )


@auth.command()
def logout() -> None:
    """Forget the token stored in the keyring (results cached under it stay, unseen by others)."""
    import os

    from mastcache.auth.tokens import ENV_VAR, forget_stored_token

    removed = forget_stored_token()
    click.echo("Removed the MAST token from the keyring." if removed else "No token was stored.")
    if os.environ.get(ENV_VAR):
        click.echo(f"{ENV_VAR} is still set in this environment: unset it to log out fully.")


@auth.command()
def status() -> None:
    """Show where a token would come from, and whom MAST says it belongs to."""
    from mastcache.auth.account import check_token
    from mastcache.auth.tokens import ENV_VAR, choose_token, keyring_backend_name
    from mastcache.runtime import current_settings

    settings = current_settings()
    click.echo(f"keyring backend: {keyring_backend_name()}")
    try:
        choice = choose_token(interactive=False)
    except AuthenticationError:
        click.echo(
            f"not logged in: no MAST token found (not in {ENV_VAR}, not in the keyring); "
            "log in with `mastcache auth login`"
        )
        return
    click.echo(f"token from: {choice.source}")
    if settings.mode == "offline":
        click.echo("offline mode: the token was not checked with MAST.")
        return
    account = check_token(settings, choice.token).account
    click.echo(f"logged in as: {account.display_name} ({account.username})")
    click.echo(f"identity scope: {account.scope}")


def _read_stdin() -> str:
    text = sys.stdin.readline()
    if not text.strip():
        raise AuthenticationError(
            "--token-stdin read nothing: expected the MAST token on standard input"
        )
    return text


def _refuse_offline(mode: str) -> None:
    if mode == "offline":
        raise AuthenticationError(
            "cannot log in in offline mode: only MAST can check a token; run again online"
        )


def account_option(*clients: str) -> Callable[[F], F]:
    """Add ``--anonymous`` to a command; without it the named clients of
    :mod:`mastcache.client` (``Observations``, ``Mast``, ...) log in first (:func:`sign_in`)."""

    def decorate(command: F) -> F:
        @click.option(
            "--anonymous",
            is_flag=True,
            help="Act anonymously even when a MAST token is available "
            "($MAST_API_TOKEN or the keyring, as stored by `mastcache auth login --store-token`).",
        )
        @functools.wraps(command)
        def wrapper(*args: Any, anonymous: bool, **kwargs: Any) -> Any:
            if anonymous or not sign_in(*clients):
                _sign_out(clients)  # in-process runs (cli.main): no login from an earlier run
            return command(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def sign_in(*clients: str) -> bool:
    """Log the named clients in with the token from $MAST_API_TOKEN or the keyring, never
    prompting; True when logged in. No token: False (anonymous). Offline, a token cannot be
    checked: False too, said on stderr. An invalid or expired token raises AuthenticationError."""
    from mastcache.auth.tokens import choose_token
    from mastcache.runtime import current_settings

    try:
        choice = choose_token(interactive=False)
    except AuthenticationError:
        return False
    if current_settings().mode == "offline":
        click.echo(
            "offline mode: the MAST token cannot be checked, so this runs anonymously "
            "(results cached under your account are served after an online run).",
            err=True,
        )
        return False
    for name in clients:
        _client(name).login(choice.token)
    return True


def _sign_out(clients: tuple[str, ...]) -> None:
    for name in clients:
        client = _client(name)
        if client.scope != "anonymous":
            client.logout()


def _client(name: str) -> Any:
    from mastcache import client as clients_module

    return getattr(clients_module, name)
