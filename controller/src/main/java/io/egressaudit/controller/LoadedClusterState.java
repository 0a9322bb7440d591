package io.egressaudit.controller;

import io.egressaudit.correlator.ClusterObject;
import java.util.List;

/**
 * What {@link ClusterStateFile#load} read from one file.
 *
 * @param objects the nodes, namespaces, pods and EgressIPs, in the order the file lists them; never
 *     empty, no object twice
 * @param notes remarks for the user that do not stop the import: {@code skipped 3 objects of kind
 *     Deployment} (one per skipped kind, in order of first appearance), then warnings about
 *     namespaces that pods are in or that EgressIP selectors name but that the file has no
 *     Namespace object for
 */
public record LoadedClusterState(List<ClusterObject> objects, List<String> notes) {

  /** Copies the lists and replaces null with empty. */
  public LoadedClusterState {
    objects = objects == null ? List.of() : List.copyOf(objects);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }
}
