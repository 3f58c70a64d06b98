"""The local workflow player: run the steps of the GitHub workflows on this machine.

`expressions` evaluates `${{ ... }}`, `workflow` plays jobs and steps, `actions` stands in for
the few `uses:` actions the workflows call, `fake_github` answers `gh api` from a JSON file,
and `results` writes what the workflows would have posted (comment, summary, issue, codes).
"""
