"""Translates a SAM template into the CloudFormation that `sam deploy` submits, as JSON on stdout.

Used by SamTemplateTest. The CodeUris become S3 locations first, as `sam package` leaves them; warnings the
translator raises (Python warnings) turn into errors so a test cannot pass over them.
"""
import json
import sys
import warnings

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names no AWS managed policy by name, so no IAM lookup is needed."""

    def load(self):
        return {}


def main(path):
    warnings.simplefilter("error")
    with open(path, encoding="utf-8") as source:
        template = yaml_parse(source.read())
    template["Globals"]["Function"]["CodeUri"] = "s3://llm-watcher-test-bucket/llm-watcher.zip"
    try:
        translated = transform(template, {}, NoManagedPolicies())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(cause.message, file=sys.stderr)
        return 1
    json.dump(translated, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
