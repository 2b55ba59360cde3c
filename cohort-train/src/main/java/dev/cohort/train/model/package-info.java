/** The built-in models (MLP and CNN), made from DJL blocks by name. */
package dev.cohort.train.model;
