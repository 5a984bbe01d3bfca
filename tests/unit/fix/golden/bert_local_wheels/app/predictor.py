"""Stand-in for examples/bert-classifier's predictor: fix reads only what the shipped code
imports, so this keeps the same imports (the example's app is the real one)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

__all__ = [
    "BertConfig",
    "BertForSequenceClassification",
    "BertTokenizer",
    "Path",
    "os",
    "sys",
    "torch",
]
