package io.gearbox.internal.process;

import java.io.Serializable;

/**
 * One item of a mapOutcomes batch that threw, as sent back from a worker.
 *
 * @param error the item's exception (portable: decodable by the caller)
 */
record ItemFailure(Throwable error) implements Serializable {}
