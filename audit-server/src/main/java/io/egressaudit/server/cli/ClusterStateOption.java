package io.egressaudit.server.cli;

import java.nio.file.Path;

/**
 * {@code serve --cluster-state [NAME=]FILE}, read.
 *
 * @param cluster the cluster's name in history; {@code default} when the option names none
 * @param file the kubectl dump to record now and again whenever it changes
 */
record ClusterStateOption(String cluster, Path file) {}
