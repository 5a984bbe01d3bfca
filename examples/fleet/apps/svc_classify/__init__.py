"""svc-classify: sentiment of customer messages, sentence by sentence."""
