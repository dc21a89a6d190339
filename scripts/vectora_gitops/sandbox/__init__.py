"""The embedded sandbox: a moto server on 127.0.0.1 seeded like the CloudFormation stacks."""
