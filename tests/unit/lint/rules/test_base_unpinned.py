"""JT205: a base that floats (latest, no tag)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.rules.base import jt205_base_unpinned

from ._stack_helpers import make_ctx, run

JT205 = jt205_base_unpinned.RULE


@pytest.mark.parametrize(
    ("text", "severity", "line"),
    [
        ("FROM continuumio/miniconda3\n", "warning", 1),
        ("FROM docker.io/library/python:latest\n", "warning", 1),
        ("FROM someone/detector:latest-cpu\n", "warning", 1),
        ("ARG IMG=pytorch/pytorch\nFROM ${IMG} AS base\nFROM base\n", "warning", 2),
        ("FROM python:slim\n", "info", 1),
        ("FROM alpine:edge\n", "info", 1),
        (
            "FROM continuumio/miniconda3:latest AS env\nRUN conda create -p /opt/env numpy\n"
            "FROM debian:bookworm-slim\nCOPY --from=env /opt/env /opt/env\n",
            "warning",
            1,
        ),
    ],
)
def test_jt205_floating_bases(tmp_path: Path, text: str, severity: str, line: int) -> None:
    (finding,) = run(JT205, make_ctx(tmp_path, text))
    assert finding.severity.label == severity
    assert finding.line == line
    assert finding.fix is not None and "@sha256:" in finding.fix


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.12-slim\n",
        "FROM python:3\n",
        "FROM debian:bookworm-slim\n",
        "FROM ubuntu:jammy\n",
        "FROM python@sha256:0123\n",
        "FROM python:latest@sha256:0123\n",
        "ARG BASE\nFROM ${BASE}\n",
        "FROM scratch\n",
        # a builder whose output is a single file, not its tree
        "FROM golang:latest AS build\nRUN go build -o /app\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n",
        # a builder that does not ship at all
        "FROM node:latest AS web\nRUN npm ci\nFROM python:3.12-slim\n",
    ],
)
def test_jt205_negative(tmp_path: Path, text: str) -> None:
    assert run(JT205, make_ctx(tmp_path, text)) == []
