"""Token sources in order, the keyring entry astroquery uses, keyring-less machines, and a
token that never shows itself."""

from __future__ import annotations

import copy
import pickle
from types import ModuleType
from typing import Any

import keyring
import pytest
import requests
from keyring.backends import fail, null

from mastcache.auth.tokens import (
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    SecretToken,
    choose_token,
    forget_stored_token,
    keep_token,
    read_stored_token,
    store_token,
)
from mastcache.errors import AuthenticationError


def no_prompt(_: str) -> str:
    raise AssertionError("prompted although another source had a token")


def test_the_argument_comes_first(memory_keyring: Any) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "from-keyring")
    choice = choose_token("from-argument", environ={"MAST_API_TOKEN": "from-env"})
    assert (choice.token.reveal(), choice.source) == ("from-argument", "argument")


def test_then_the_environment(memory_keyring: Any) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "from-keyring")
    choice = choose_token(environ={"MAST_API_TOKEN": " from-env\n"}, prompt=no_prompt)
    assert (choice.token.reveal(), choice.source) == ("from-env", "environment")


def test_then_astroquerys_keyring_entry(memory_keyring: Any) -> None:
    memory_keyring.set_password("astroquery:mast.stsci.edu.token", "masttoken", "from-keyring")
    choice = choose_token(environ={}, prompt=no_prompt, interactive=True)
    assert (choice.token.reveal(), choice.source) == ("from-keyring", "keyring")


def test_then_a_prompt_only_on_a_terminal(memory_keyring: Any) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed-token"

    choice = choose_token(environ={}, prompt=prompt, interactive=True)
    assert (choice.token.reveal(), choice.source, asked) == (
        "typed-token", "prompt", ["Enter MAST API Token: "]
    )  # fmt: skip
    with pytest.raises(AuthenticationError, match="MAST_API_TOKEN") as caught:
        choose_token(environ={}, prompt=prompt, interactive=False)
    assert "no terminal" in str(caught.value) and len(asked) == 1


def test_reenter_skips_the_stored_token(memory_keyring: Any) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "old")
    env = {"MAST_API_TOKEN": "env"}
    choice = choose_token(reenter=True, environ=env, prompt=lambda _: "new", interactive=True)
    assert (choice.token.reveal(), choice.source) == ("new", "prompt")


def test_store_replace_and_forget(memory_keyring: Any) -> None:
    store_token(SecretToken("first"))
    assert memory_keyring.passwords == {(KEYRING_SERVICE, KEYRING_USERNAME): "first"}
    keep_token(SecretToken("second"), store=False, replace=True)
    assert read_stored_token() == SecretToken("second")
    assert forget_stored_token() is True
    assert forget_stored_token() is False
    keep_token(SecretToken("third"), store=False, replace=True)  # nothing stored: not added
    assert read_stored_token() is None


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_no_usable_keyring_says_so_and_names_the_variable(
    backend: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAST_API_TOKEN", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        with pytest.raises(AuthenticationError) as stored:
            store_token(SecretToken("secret-token-value"))
        with pytest.raises(AuthenticationError) as chosen:
            choose_token(environ={}, interactive=False)
        assert choose_token(environ={"MAST_API_TOKEN": "ok"}).source == "environment"
    finally:
        keyring.set_keyring(previous)
    for message in (str(stored.value), str(chosen.value)):
        assert "no usable keyring" in message and "MAST_API_TOKEN" in message
        assert backend.__module__ in message and "secret-token-value" not in message


def test_secret_token_hides_itself() -> None:
    token = SecretToken("hunter2-very-secret-token")
    for shown in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert "hunter2" not in shown
    with pytest.raises(TypeError):
        pickle.dumps(token)
    with pytest.raises(TypeError):
        copy.deepcopy(token)
    with pytest.raises(AuthenticationError, match="empty"):
        SecretToken("  ")


def test_a_token_astroquery_stored_is_found(
    astroquery_mast: ModuleType, memory_keyring: Any
) -> None:
    from astroquery.exceptions import LoginError
    from astroquery.mast.auth import MastAuth

    with pytest.raises(LoginError):  # astroquery stores before checking (its emulator: anon)
        MastAuth(requests.Session()).login("stored-by-astroquery", store_token=True)
    choice = choose_token(environ={}, interactive=False)
    assert (choice.token.reveal(), choice.source) == ("stored-by-astroquery", "keyring")
