"""Answer: build a cited answer from passages, verify every sentence, add referrals."""
