"""Identity resolution on Apache Spark: sources to unified customer profiles in Delta Lake."""
