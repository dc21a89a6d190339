"""Least-privilege IAM policies for the roles that run the tool."""
