/**
 * The registry of sharpness-aware rules: {@link org.msam.rules.Rules} lists one {@link org.msam.rules.RuleSpec} per
 * rule (names, {@link org.msam.rules.Hyperparameter}s with defaults and {@link org.msam.rules.Range}s, what it needs
 * from a host as {@link org.msam.rule.Need}s, how its configuration is built over a {@link org.msam.rules.Base}).
 * Everything that lists rules (the example program's command line, the benchmarks, the README's table, the contract
 * tests) reads it, so that a rule is described once.
 */
package org.msam.rules;
