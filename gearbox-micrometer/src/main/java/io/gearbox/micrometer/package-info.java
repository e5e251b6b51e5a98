/** Micrometer metrics for Gearbox pools. */
package io.gearbox.micrometer;
