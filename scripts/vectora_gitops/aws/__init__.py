"""The AWS layer: the only package that imports boto3. Small typed functions, typed values."""
