package io.egressaudit.server.cli;

import io.egressaudit.correlator.probe.ProbePolicy;
import java.nio.file.Path;

/**
 * {@code probe --policy FILE}, read: the file, which the report names, and the policy loaded from
 * it.
 *
 * @param file the file as given
 * @param policy the expected source IPs it lists per namespace
 */
record PolicyOption(Path file, ProbePolicy policy) {}
