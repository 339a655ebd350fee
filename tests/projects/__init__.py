"""Tests of projects, members, invitations, project settings and the event stream."""
