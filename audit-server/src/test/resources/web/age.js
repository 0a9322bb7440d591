'use strict';
/*
 * Renders the answers of /api/v1/clusters and /api/v1/anomalies with the web page's own renderers
 * and prints their text as JSON, for LiveViewAgeIT. Usage: node age.js APP_JS ANSWERS_JSON
 * ANSWERS_JSON holds {clusters, anomalies}.
 */
const fs = require('fs');
const app = require(process.argv[2]);
const answers = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const text = (nodes) => [].concat(nodes).map(app.textOf).join('');
const count = app.anomalyCount(answers.anomalies);
process.stdout.write(
  JSON.stringify({
    clusters: text(app.clusterRows(answers.clusters)),
    lastHit: text(app.lastHitLine(answers.clusters)),
    anomalies: text(app.anomalyRows(answers.anomalies)),
    anomalyCount: text(count),
    anomalyCountClass: count.cls,
  })
);
