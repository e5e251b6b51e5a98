package io.gearbox.web;

/**
 * A minimal streaming JSON writer for the dashboard's snapshots (no library needed for a few
 * kilobytes of numbers and names). Non-finite doubles are written as {@code null}. Not
 * thread-safe; one per document.
 */
final class Json {

  private final StringBuilder b = new StringBuilder(4096);
  private boolean needComma;

  Json begin() {
    comma();
    b.append('{');
    needComma = false;
    return this;
  }

  Json end() {
    b.append('}');
    needComma = true;
    return this;
  }

  Json beginArray() {
    comma();
    b.append('[');
    needComma = false;
    return this;
  }

  Json endArray() {
    b.append(']');
    needComma = true;
    return this;
  }

  Json key(String name) {
    comma();
    quote(name);
    b.append(':');
    needComma = false;
    return this;
  }

  Json field(String name, String value) {
    return key(name).value(value);
  }

  Json field(String name, long value) {
    key(name);
    b.append(value);
    needComma = true;
    return this;
  }

  Json field(String name, double value) {
    key(name);
    number(value);
    needComma = true;
    return this;
  }

  Json field(String name, boolean value) {
    key(name);
    b.append(value);
    needComma = true;
    return this;
  }

  Json value(String value) {
    comma();
    if (value == null) {
      b.append("null");
    } else {
      quote(value);
    }
    needComma = true;
    return this;
  }

  Json nullValue() {
    comma();
    b.append("null");
    needComma = true;
    return this;
  }

  private void number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      b.append("null");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      b.append((long) v);
    } else {
      b.append(Math.round(v * 1000) / 1000.0);
    }
  }

  private void comma() {
    if (needComma) {
      b.append(',');
    }
  }

  private void quote(String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  @Override
  public String toString() {
    return b.toString();
  }
}
