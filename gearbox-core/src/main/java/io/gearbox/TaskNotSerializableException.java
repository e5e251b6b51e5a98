package io.gearbox;

/**
 * A task, argument or result cannot be sent between processes. The message names the class that
 * cannot be serialized and the field path that leads to it from the task, e.g.
 * {@code task (com.example.Fetch).client (java.net.http.HttpClient)}.
 */
public final class TaskNotSerializableException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String className;
  private final String path;

  /**
   * Creates the exception.
   *
   * @param message the full explanation
   * @param className the class that cannot be serialized
   * @param path the field path from the task to it
   * @param cause the serializer's error, or null
   */
  public TaskNotSerializableException(String message, String className, String path, Throwable cause) {
    super(message, cause);
    this.className = className;
    this.path = path;
  }

  /** The class that cannot be serialized. */
  public String className() {
    return className;
  }

  /** The field path from the task to the offending value. */
  public String path() {
    return path;
  }
}
