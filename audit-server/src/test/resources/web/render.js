'use strict';
/*
 * Renders real API answers with the web page's own renderers and prints their text as JSON, for
 * WebPageIT. Usage: node render.js APP_JS ANSWERS_JSON
 * ANSWERS_JSON holds {readyz, clusters, anomalies, hits, whois}: the answers of those endpoints,
 * whois as a list of answers.
 */
const fs = require('fs');
const app = require(process.argv[2]);
const answers = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const text = (nodes) => [].concat(nodes).map(app.textOf).join('');
process.stdout.write(
  JSON.stringify({
    readiness: text(app.readiness(answers.readyz)),
    clusters: text(app.clusterRows(answers.clusters)),
    anomalies: text(app.anomalyRows(answers.anomalies)),
    hits: text(app.hitRows(answers.hits)),
    whois: answers.whois.map((w) => text(app.whoisView(w))).join(''),
  })
);
