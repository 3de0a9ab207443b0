"""The CMS ACO-MS Data Hub: ``client`` (the acoms-cli wrapper) and ``state`` (what was downloaded)."""
