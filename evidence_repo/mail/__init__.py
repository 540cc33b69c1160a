"""E-mail notifications through an outbox: a message is a row written in the transaction of the change it
reports (an answered observation, a new agreement) and sent later by the worker, so a slow or absent mail
server never slows or fails a request, and a rolled-back change never sends mail."""
