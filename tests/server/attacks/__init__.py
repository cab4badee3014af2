"""The attacker's suite: every operation of the contract, attacked as an outsider would."""
