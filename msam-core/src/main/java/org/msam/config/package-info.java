/** Placeholder. */
package org.msam.config;
