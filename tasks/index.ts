import "./replay";
