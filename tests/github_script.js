// Runs the body of an actions/github-script step under Node, as the action does (an async function
// of `require`, `github`, `context`, `core`), with a stand-in for GitHub's REST API, which tests
// cannot reach. Reads {"script", "context", "pages"} as JSON on stdin: `pages` holds what
// `github.paginate` returns per listing ("listComments", "listForRepo"). Prints the API calls the
// script made, as JSON, on stdout; exits 1 if the script throws.
'use strict';
const fs = require('fs');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const calls = [];
let nextId = 1000;
const call = (name) => async (params) => {
  calls.push({ name, params });
  nextId += 1;
  return { data: { id: nextId, number: nextId } };
};
const listing = (name) => {
  const fn = async () => ({ data: input.pages[name] || [] });
  fn.listing = name;
  return fn;
};
const github = {
  paginate: async (fn, params) => {
    calls.push({ name: `paginate:${fn.listing}`, params });
    return input.pages[fn.listing] || [];
  },
  rest: {
    issues: {
      listComments: listing('listComments'),
      listForRepo: listing('listForRepo'),
      createComment: call('createComment'),
      updateComment: call('updateComment'),
      create: call('create'),
      update: call('update'),
      createLabel: call('createLabel'),
      getLabel: async (params) => {
        calls.push({ name: 'getLabel', params });
        return { data: {} };
      },
    },
    repos: {
      listPullRequestsAssociatedWithCommit: async (params) => {
        calls.push({ name: 'listPullRequestsAssociatedWithCommit', params });
        return { data: input.pages.pullRequests || [] };
      },
    },
  },
};
const core = {
  info: () => {},
  warning: (message) => calls.push({ name: 'warning', params: { message } }),
  setFailed: (message) => calls.push({ name: 'setFailed', params: { message } }),
};
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const run = new AsyncFunction('require', 'github', 'context', 'core', input.script);
run(require, github, input.context, core).then(
  () => process.stdout.write(JSON.stringify(calls)),
  (error) => {
    process.stderr.write(String((error && error.stack) || error));
    process.exit(1);
  },
);
