import "./replay";
import "./bench";
import "./market";
import "./devnet";
