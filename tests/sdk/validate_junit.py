"""Validates a junit.xml against a JUnit XML schema, and the counts CI systems add up.

    python validate_junit.py <junit-10.xsd> <junit.xml>

Checks, with PyPI `xmlschema`: the file is valid against the schema; each suite's tests,
failures and skipped attributes equal its testcases; the root's tests and failures equal the
suites' sums; no two testcases share classname and name. Prints a line per problem and a tally;
exits 1 on any problem.
"""
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import xmlschema


def main(xsd, report):
    problems = []
    schema = xmlschema.XMLSchema(xsd)
    for error in schema.iter_errors(report):
        problems.append(f"schema: {error.reason} at {error.path}")
    root = ET.parse(report).getroot()
    total = failed = 0
    names = Counter()
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        failures = sum(1 for c in cases if c.find("failure") is not None)
        skipped = sum(1 for c in cases if c.find("skipped") is not None)
        for attr, count in (("tests", len(cases)), ("failures", failures), ("skipped", skipped)):
            if int(suite.get(attr, "0")) != count:
                problems.append(f"suite {suite.get('name')}: {attr}={suite.get(attr)} but {count} testcases")
        total += len(cases)
        failed += failures
        names.update((c.get("classname"), c.get("name")) for c in cases)
    for attr, count in (("tests", total), ("failures", failed)):
        if int(root.get(attr, "0")) != count:
            problems.append(f"root: {attr}={root.get(attr)} but the suites hold {count}")
    problems += [f"testcase name used {n} times: {k}" for k, n in names.items() if n > 1]
    for p in problems:
        print("PROBLEM", p)
    print(f"{total} testcases, {failed} failing, {len(problems)} problems")
    return 1 if problems or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
