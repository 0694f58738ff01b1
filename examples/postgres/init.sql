-- Run once, at the container's first start: a database with a table and a few rows.
CREATE DATABASE harbour;
\connect harbour

CREATE TABLE ships (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  berth integer NOT NULL
);

INSERT INTO ships (name, berth) VALUES
  ('Aurora', 1),
  ('Borealis', 2),
  ('Calypso', 3);
