DROP TABLE agreement_acknowledgements;
DROP TABLE agreement_reviews;
