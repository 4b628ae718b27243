let gitCommit = "unknown"
