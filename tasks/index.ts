import "./replay";
import "./bench";
import "./market";
