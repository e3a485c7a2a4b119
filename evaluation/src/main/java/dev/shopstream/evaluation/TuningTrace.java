package dev.shopstream.evaluation;

import static dev.shopstream.evaluation.EvaluationReport.esc;
import static dev.shopstream.evaluation.EvaluationReport.f4;
import static dev.shopstream.evaluation.EvaluationReport.join;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The report's tuning trace: every configuration the tuner tried, its validation score, and the chosen one. */
final class TuningTrace {
  private TuningTrace() {}

  static void html(StringBuilder h, ObjectNode tuning) {
    int k = tuning.path("k").asInt();
    ObjectNode chosen = (ObjectNode) tuning.path("chosen");
    h.append("<section class=\"tuning\">\n<h2>Tuning trace</h2>\n<p>Coordinate descent on the validation split (the ")
        .append("same protocol on the training part only); ").append(tuning.path("configs").size())
        .append(" configurations tried").append(tuning.path("parameters").isEmpty() ? ""
            : ", parameters: " + esc(join(tuning.path("parameters")))).append(". A value replaces the current one "
            + "only when its validation HR@").append(k).append(" is higher by more than one standard error; the "
            + "trend weight is the smallest within one standard error of the best. <strong>Chosen: #")
        .append(chosen.path("index").asInt()).append("</strong>, validation HR@").append(k).append(" ")
        .append(f4(chosen.path("hr").asDouble())).append(", NDCG@").append(k).append(" ")
        .append(f4(chosen.path("ndcg").asDouble())).append(": ")
        .append(chosen.path("changes").isEmpty() ? "the defaults" : esc(join(chosen.path("changes"))))
        .append(".</p>\n<table class=\"trace\">\n<thead><tr><th>#</th><th>changed from the start (the defaults)</th>")
        .append("<th>validation HR@").append(k).append("</th><th>NDCG@").append(k).append("</th><th>trials</th>")
        .append("<th></th></tr></thead>\n<tbody>\n");
    for (var c : tuning.path("configs")) {
      boolean isChosen = c.path("chosen").asBoolean();
      h.append(isChosen ? "<tr class=\"chosen\">" : "<tr>").append("<td>").append(c.path("index").asInt())
          .append("</td><td>").append(c.path("changes").isEmpty() ? "(start)" : esc(join(c.path("changes"))))
          .append("</td><td>").append(f4(c.path("hr").asDouble())).append("</td><td>")
          .append(f4(c.path("ndcg").asDouble())).append("</td><td>").append(c.path("trials").asInt())
          .append("</td><td>").append(isChosen ? "chosen" : "").append("</td></tr>\n");
    }
    h.append("</tbody></table>\n<p class=\"note\">Chosen config: <code>").append(esc(chosen.path("config").asText()))
        .append("</code></p>\n</section>\n");
  }
}
