package io.egressaudit.controller;

import java.io.Reader;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.io.IOContext;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLFactoryBuilder;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Jackson's YAML parser, plus what it does not expose about the YAML event behind the current
 * token: its anchor ({@code &t}, also on scalars), the anchor an alias ({@code *t}) refers to,
 * whether a scalar is plain (a merge key {@code <<} must be), and how far the scanner has got.
 * {@link ObjectTreeReader} resolves aliases and merge keys with it.
 */
final class AnchorAwareYamlParser extends YAMLParser {

  private Event current;
  private long consumed;

  private AnchorAwareYamlParser(
      ObjectReadContext readContext,
      IOContext ioContext,
      YAMLFactory factory,
      LoadSettings settings,
      Reader reader) {
    super(
        readContext,
        ioContext,
        factory._getBufferRecycler(),
        readContext.getStreamReadFeatures(factory.getStreamReadFeatures()),
        readContext.getFormatReadFeatures(factory.getFormatReadFeatures()),
        settings,
        reader);
  }

  @Override
  protected Event nextEvent() {
    Event e = super.nextEvent();
    current = e;
    if (e != null) {
      e.getEndMark().map(Mark::getIndex).ifPresent(i -> consumed = i);
    }
    return e;
  }

  /** The anchor ({@code &name}) of the node behind the current token, or null. */
  String anchor() {
    if (current instanceof NodeEvent n && !(current instanceof AliasEvent)) {
      return n.getAnchor().map(Anchor::getValue).orElse(null);
    }
    return null;
  }

  /** The anchor the current token refers to when it is an alias ({@code *name}), or null. */
  String alias() {
    return current instanceof AliasEvent a ? a.getAnchor().map(Anchor::getValue).orElse("") : null;
  }

  /** Whether the current token is a plain (unquoted) scalar. */
  boolean plainScalar() {
    return current instanceof ScalarEvent s && s.isPlain();
  }

  /** Characters (code points) of the input the scanner has turned into events so far. */
  long consumed() {
    return consumed;
  }

  /** A {@link YAMLFactory} that creates {@link AnchorAwareYamlParser}s from readers. */
  static final class Factory extends YAMLFactory {

    private static final long serialVersionUID = 1L;

    Factory(YAMLFactoryBuilder builder) {
      super(builder);
    }

    @Override
    protected YAMLParser _createParser(
        ObjectReadContext readContext, IOContext ioContext, Reader reader) {
      return new AnchorAwareYamlParser(readContext, ioContext, this, _loadSettings, reader);
    }
  }
}
