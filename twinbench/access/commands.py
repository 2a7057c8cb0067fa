"""``twinbench users ...`` and ``twinbench audit ...``: the command-line faces of the user
store and the audit log (registered in :mod:`twinbench.cli`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .approvals import ApprovalLog
from .roles import ROLES
from .users import UsersFileError, UserStore, migrate_plain_text

__all__ = ["audit_app", "users_app"]

users_app = typer.Typer(help="Dashboard users: add, remove, list, migrate a plain-text file.",
                        no_args_is_help=True)
audit_app = typer.Typer(help="The approval log: verify its hash chain, show it.",
                        no_args_is_help=True)

UsersOpt = Annotated[Path, typer.Option("--users", help="The users file.")]
ResultsOpt = Annotated[Path, typer.Option(
    help="Results folder of `twinbench serve` (holds audit.sqlite).")]


def _fail(err: Exception) -> None:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    users: UsersOpt = Path("users.json"),
    role: Annotated[list[str], typer.Option(
        help=f"Role (repeat for more): one of {', '.join(ROLES)}.")] = ["viewer"],  # noqa: B006
    password_stdin: Annotated[bool, typer.Option(
        help="Read the password from the first line of standard input (scripts).")] = False,
    replace: Annotated[bool, typer.Option(help="Replace an existing user's password and "
                                          "roles.")] = False,
) -> None:
    """Add a user (the password is asked twice, or read with --password-stdin); only its
    argon2 hash is stored."""
    try:
        UserStore(users).add(name, _password(password_stdin), role, replace=replace)
    except (ValueError, OSError) as err:
        _fail(err)
    typer.echo(f"user {name!r} ({', '.join(UserStore(users).roles(name))}) saved in {users}")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="User name.")],
                 users: UsersOpt = Path("users.json")) -> None:
    """Remove a user (a running server refuses the user's next request)."""
    try:
        UserStore(users).remove(name)
    except (KeyError, ValueError, OSError) as err:
        _fail(ValueError(str(err).strip('"')))
    typer.echo(f"user {name!r} removed from {users}")


@users_app.command("list")
def users_list(users: UsersOpt = Path("users.json")) -> None:
    """List the users and their roles (never a password or hash)."""
    try:
        listed = UserStore(users).list()
    except (ValueError, OSError) as err:
        _fail(err)
    for name, roles in listed.items():
        typer.echo(f"{name:<20s} {', '.join(roles)}")


@users_app.command("migrate")
def users_migrate(
    file: Annotated[Path, typer.Argument(help="An old {user: password} JSON file.")],
    approvers: Annotated[str, typer.Option(help="Comma-separated users to make approvers.")]
    = "",
    planners: Annotated[str, typer.Option(help="Comma-separated users to make planners.")]
    = "",
    admins: Annotated[str, typer.Option(help="Comma-separated users to make admins.")] = "",
) -> None:
    """Convert a plain-text users file in place: hashes only, roles as given (else
    viewer)."""
    roles: dict[str, list[str]] = {}
    for role, names in (("approver", approvers), ("planner", planners), ("admin", admins)):
        for n in filter(None, (x.strip() for x in names.split(","))):
            roles.setdefault(n, []).append(role)
    try:
        n = migrate_plain_text(file, roles)
    except (UsersFileError, ValueError, OSError) as err:
        _fail(err)
    typer.echo(f"{file}: {n} user(s) now stored as argon2 hashes; no plain text remains")


@audit_app.command("verify")
def audit_verify(results: ResultsOpt = Path("out/dashboard")) -> None:
    """Check every entry's hash and link; exit 1 when the log was tampered with."""
    path = results / "audit.sqlite"
    if not path.exists():
        _fail(FileNotFoundError(f"no audit log at {str(path)!r}; pass the --results folder "
                                "of `twinbench serve`"))
    check = ApprovalLog(path, lambda _u: ()).verify()
    typer.echo(str(check))
    if not check.ok:
        raise typer.Exit(1)


@audit_app.command("show")
def audit_show(results: ResultsOpt = Path("out/dashboard")) -> None:
    """Print the log, newest first, each entry with its check."""
    df = ApprovalLog(results / "audit.sqlite", lambda _u: ()).entries()
    typer.echo(df.to_string(index=False) if len(df) else "the log is empty")
